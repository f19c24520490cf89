from datetime import timedelta

from django import forms
from django.utils import timezone

from .models import ExitSurvey, LifecycleSettings, Organization, Stage
from .selectors import RISK_BANDS

MAX_FUNNEL_DAYS = 3 * 366


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label="Search", required=False, max_length=200, help_text="Name, any email, external id or #id"
    )
    stage = forms.ChoiceField(
        label="Stage", required=False, choices=[("", "Any stage"), ("none", "No stage"), *Stage.choices]
    )
    organization = forms.ModelChoiceField(
        label="Organization",
        required=False,
        queryset=Organization.objects.all(),
        empty_label="Any organization",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    risk = forms.ChoiceField(
        label="Churn risk",
        required=False,
        choices=[("", "Any risk"), *[(band, band.title()) for band in RISK_BANDS]],
    )
    language = forms.CharField(label="Language", required=False, max_length=16)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class StageCorrectionForm(forms.Form):
    to_stage = forms.ChoiceField(label="New stage", choices=Stage.choices)
    reason = forms.CharField(label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the stage is corrected.")
        return reason


class CustomerMergeForm(forms.Form):
    other = forms.CharField(
        label="Customer to merge into this one",
        max_length=254,
        help_text="Their email address, phone number, external id (source:id) or #id.",
    )
    confirm = forms.BooleanField(
        label="I understand that the other customer's tickets, events and history move here for good."
    )


class FunnelForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def default(cls) -> "FunnelForm":
        today = timezone.localdate()
        return cls({"date_from": today - timedelta(days=89), "date_to": today})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date must not be after the end date.")
        if start and end and (end - start).days > MAX_FUNNEL_DAYS:
            raise forms.ValidationError("Choose a range of at most three years.")
        return cleaned


class LifecycleSettingsForm(forms.ModelForm):
    class Meta:
        model = LifecycleSettings
        fields = [
            "retention_window_days",
            "purchases_for_loyalty",
            "nps_promoter_score",
            "churn_inactivity_days",
            "survey_valid_days",
        ]


class ExitSurveyForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is the main reason you left?", choices=ExitSurvey.Reason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Anything else you would like to tell us? (optional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )
