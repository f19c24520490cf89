from django import forms
from django.core.exceptions import ValidationError

from ..services.attachments import max_attachment_bytes, max_attachments_per_message


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; size and count are checked before anything is stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        if len(cleaned) > max_attachments_per_message():
            raise ValidationError(f"Attach at most {max_attachments_per_message()} files.")
        limit = max_attachment_bytes()
        for upload in cleaned:
            if upload.size > limit:
                raise ValidationError(f"“{upload.name}” is larger than {limit // (1024 * 1024)} MB.")
        return cleaned


def _attachments_field() -> MultipleFileField:
    megabytes = max_attachment_bytes() // (1024 * 1024)
    return MultipleFileField(
        label="Attachments",
        help_text=f"Optional; up to {max_attachments_per_message()} files of {megabytes} MB each.",
    )


class TicketOpenForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=200)
    body = forms.CharField(
        label="How can we help?", widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000
    )
    attachments = _attachments_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field()
        for name in ("subject", "body"):
            self.fields[name].widget.attrs["dir"] = "auto"
        self.fields["subject"].widget.attrs.update(
            {
                "hx-get": "/help/suggest/",
                "hx-trigger": "input changed delay:500ms",
                "hx-target": "#kb-suggestions",
                "hx-swap": "innerHTML",
                "hx-params": "subject",
                "hx-sync": "this:replace",
                "data-suggest-param": "q",
                "aria-describedby": "kb-suggestions",
                "autocomplete": "off",
            }
        )


class TicketAnswerForm(forms.Form):
    body = forms.CharField(
        label="Your answer", widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}), max_length=20_000
    )
    attachments = _attachments_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field()


class TicketRateForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How satisfied are you with the answer?",
        choices=[(5, "5 - Very satisfied"), (4, "4"), (3, "3"), (2, "2"), (1, "1 - Not satisfied")],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )


class MagicLinkForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)
