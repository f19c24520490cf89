import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["conversationlink", "portalmagiclink"])
def test_admin_changelist_renders_for_portal_and_chat_models(client, admin_user, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:tickets_{model}_changelist")).status_code == 200
