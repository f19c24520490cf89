from datetime import timedelta
from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import global_settings, settings
from django.core.validators import validate_email
from django.utils import timezone

from .models import Customer, ExitSurvey, LifecycleSettings, Organization, Stage
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


class CustomerEraseForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit log, e.g. “Erasure request by email of 3 March, ticket HD-812”.",
    )
    confirm = forms.BooleanField(
        label="I understand that this customer's personal data is gone for good and cannot be restored."
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the customer is erased.")
        return reason


class CustomerEditForm(forms.Form):
    """What a person may change of a customer; lists are one item a line."""

    display_name = forms.CharField(label="Name", max_length=200, required=False)
    emails = forms.CharField(
        label="Email addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr", "spellcheck": "false"}),
        help_text="One a line; the first is the primary address, which the helpdesk writes to.",
    )
    phones = forms.CharField(
        label="Phone numbers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}),
        help_text="One a line.",
    )
    external_ids = forms.CharField(
        label="External ids",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr", "spellcheck": "false"}),
        help_text="The customer's ids in other systems, one a line as source:id (for example shop:1042).",
    )
    organization = forms.CharField(
        label="Organization",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "organization-names", "autocomplete": "off"}),
        help_text="Pick one or type a new name; leave empty for none.",
    )
    preferred_language = forms.ChoiceField(label="Language", required=False)
    time_zone = forms.ChoiceField(label="Time zone", required=False)
    marketing_consent = forms.BooleanField(label="Agreed to receive marketing email", required=False)

    def __init__(self, *args, customer: Customer, **kwargs):
        kwargs.setdefault("initial", _initial(customer))
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = _with(_languages(), customer.preferred_language)
        self.fields["time_zone"].choices = _with(_time_zones(), customer.time_zone)

    def clean_emails(self) -> list[str]:
        addresses = [line.lower() for line in _lines(self.cleaned_data["emails"])]
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError as error:
                raise forms.ValidationError(f"{address} is not an email address.") from error
        return addresses

    def clean_phones(self) -> list[str]:
        return _lines(self.cleaned_data["phones"])

    def clean_external_ids(self) -> list[tuple[str, str]]:
        ids = []
        for line in _lines(self.cleaned_data["external_ids"]):
            source, _, external_id = line.partition(":")
            if not source.strip() or not external_id.strip():
                raise forms.ValidationError(f"Write {line} as source:id (for example shop:1042).")
            ids.append((source.strip(), external_id.strip()))
        return ids


def _initial(customer: Customer) -> dict:
    return {
        "display_name": customer.display_name,
        "emails": "\n".join(e.address for e in customer.emails.all()),
        "phones": "\n".join(p.number for p in customer.phones.all()),
        "external_ids": "\n".join(f"{x.source}:{x.external_id}" for x in customer.external_ids.all()),
        "organization": customer.organization.name if customer.organization else "",
        "preferred_language": customer.preferred_language,
        "time_zone": customer.time_zone,
        "marketing_consent": customer.marketing_consent,
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _with(choices: list[tuple[str, str]], current: str) -> list[tuple[str, str]]:
    """The choices, keeping a value set elsewhere (the API takes any) so that saving keeps it."""
    known = {value for value, _ in choices}
    extra = [(current, current)] if current and current not in known else []
    return [("", "—"), *extra, *choices]


@cache
def _languages() -> list[tuple[str, str]]:
    names = {**dict(settings.KB_LANGUAGES), **dict(global_settings.LANGUAGES)}  # Django's English names win
    return sorted(((code, f"{name} ({code})") for code, name in names.items()), key=lambda c: c[1].lower())


@cache
def _time_zones() -> list[tuple[str, str]]:
    return [(zone, zone.replace("_", " ")) for zone in sorted(available_timezones())]


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
