from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from helpdesk import roles

from .scopes import RESOURCES


def _scope_choices() -> list[tuple[str, str]]:
    choices = [("all", "All: every resource, read and write")]
    for resource, label in RESOURCES.items():
        choices += [(f"{resource}:read", f"{label}: read"), (f"{resource}:write", f"{label}: read and write")]
    return choices


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Which integration uses it, e.g. “Shop” or “CRM sync”.")
    user = StaffChoiceField(
        label="Acts as",
        queryset=get_user_model().objects.none(),
        help_text="The token acts as this staff user: it sees what they may see.",
    )
    scopes = forms.MultipleChoiceField(choices=_scope_choices, widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires",
        help_text="Optional; leave empty for no expiry.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(groups__name__in=roles.STAFF_ROLES)
            .distinct()
            .order_by("username")
        )
