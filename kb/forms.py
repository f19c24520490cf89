from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from .models import Article, Category, Section


class ArticleForm(forms.Form):
    language = forms.ChoiceField(
        choices=(), help_text="Saving in another language adds or edits that translation."
    )
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    body_markdown = forms.CharField(
        label="Body (Markdown)",
        max_length=100_000,
        widget=forms.Textarea(
            attrs={
                "rows": 16,
                "dir": "auto",
                "class": "font-monospace",
                "hx-post": "",  # filled in __init__ with the preview URL
                "hx-trigger": "input changed delay:400ms, load",
                "hx-target": "#markdown-preview",
                "hx-swap": "innerHTML",
            }
        ),
    )
    section = forms.ModelChoiceField(queryset=Section.objects.none())
    state = forms.ChoiceField(choices=Article.State.choices, initial=Article.State.DRAFT)
    is_internal = forms.BooleanField(
        label="Internal (agents only)", required=False, help_text="Never shown in the public help center."
    )
    keywords = forms.CharField(
        max_length=500, required=False, help_text="Comma-separated; articles sharing keywords are related."
    )
    summary = forms.CharField(
        label="What changed", max_length=200, required=False, help_text="Shown in the revision history."
    )

    def __init__(self, *args, preview_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.KB_LANGUAGES
        self.fields["language"].initial = settings.KB_DEFAULT_LANGUAGE
        self.fields["section"].queryset = Section.objects.select_related("category")
        self.fields["body_markdown"].widget.attrs["hx-post"] = preview_url

    def clean_keywords(self) -> list[str]:
        names = [k.strip().lower() for k in self.cleaned_data["keywords"].split(",")]
        names = [n for n in names if n]
        if any(len(n) > 50 for n in names):
            raise forms.ValidationError("A keyword is at most 50 characters.")
        if len(names) > 20:
            raise forms.ValidationError("At most 20 keywords.")
        return names


class StaffArticleFilterForm(forms.Form):
    q = forms.CharField(label="Title", max_length=100, required=False)
    state = forms.ChoiceField(choices=[("", "Any state"), *Article.State.choices], required=False)
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, empty_label="Any category"
    )


class DateRangeForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def for_request(cls, data) -> "DateRangeForm":
        today = timezone.localdate()
        initial = {"date_from": today - timedelta(days=29), "date_to": today}
        return cls({**initial, **{k: v for k, v in data.items() if k in initial and v}})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date must be on or before the end date.")
        if start and end and (end - start).days > 366 * 2:
            raise forms.ValidationError("Choose a range of at most two years.")
        return cleaned
