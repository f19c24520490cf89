from django import forms

from .models import EventType


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL", max_length=2000, assume_scheme="https", help_text="Where we POST events (JSON, signed)."
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(choices=EventType.choices, widget=forms.CheckboxSelectMultiple)


class EndpointEditForm(forms.Form):
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(choices=EventType.choices, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(required=False, label="Active")
