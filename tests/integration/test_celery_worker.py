import pytest
from django.urls import reverse

from mail.models import OutboundEmail
from tests.factories import PASSWORD
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("services")]
NEW_PASSWORD = "a much longer passphrase 42"


def test_task_enqueued_by_web_request_runs_on_real_worker(client, agent, celery_worker_process):
    client.force_login(agent)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302

    email = OutboundEmail.objects.get()
    sent = wait_for(lambda: OutboundEmail.objects.filter(pk=email.pk, state="sent").exists())
    log = celery_worker_process["log"].read_text()
    assert sent, f"the worker did not send the email; worker log:\n{log[-3000:]}"
    files = list(celery_worker_process["mail_dir"].iterdir())
    assert len(files) == 1
    assert "your password was changed" in files[0].read_text()
    assert "mail.tasks.email_send" in log
