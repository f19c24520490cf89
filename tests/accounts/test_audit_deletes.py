"""Every delete, in the workspace and in the admin (one row, a selection, an inline row), is audited."""

import pytest
from django.contrib.auth.models import User

from accounts.models import AuditEntry
from lifecycle.models import CustomerEmail
from tests.factories import CannedReplyFactory, CustomerFactory, TicketFactory, UserFactory
from tickets.models import CannedReply, SavedView
from tickets.services import ticket_mark_spam

pytestmark = pytest.mark.django_db


def deletes() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).order_by("id"))


def test_saved_view_delete_is_audited(client, agent):
    saved = SavedView.objects.create(owner=agent, name="Mine", query="status=open")
    client.force_login(agent)
    assert client.post(f"/tickets/views/{saved.pk}/delete/").status_code == 302
    [entry] = deletes()
    assert (entry.actor, entry.target_type, entry.target_id, entry.target_repr) == (
        agent,
        "tickets.savedview",
        str(saved.pk),
        "Mine",
    )
    assert entry.details == {"query": "status=open"}


def test_someone_elses_saved_view_is_neither_deleted_nor_audited(client, agent):
    saved = SavedView.objects.create(owner=UserFactory(), name="Theirs", query="")
    client.force_login(agent)
    assert client.post(f"/tickets/views/{saved.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=saved.pk).exists() and deletes() == []


def test_deleting_a_ticket_as_spam_is_audited_by_reference(agent):
    ticket = TicketFactory(subject="My address is 1 Main Street")
    ticket_mark_spam(ticket=ticket, by=agent)
    [entry] = deletes()
    assert (entry.actor, entry.target_repr, entry.details) == (agent, ticket.reference, {"as": "spam"})


def test_admin_delete_of_one_row_is_audited(client, admin_user):
    canned = CannedReplyFactory(title="Refund macro")
    client.force_login(admin_user)
    response = client.post(f"/admin/tickets/cannedreply/{canned.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not CannedReply.objects.exists()
    [entry] = deletes()
    assert (entry.actor, entry.target_type, entry.target_id, entry.target_repr) == (
        admin_user,
        "tickets.cannedreply",
        str(canned.pk),
        "Refund macro",
    )
    assert entry.details == {"via": "admin"} and entry.ip_address == "127.0.0.1"


def test_admin_bulk_delete_audits_each_row(client, admin_user, django_assert_max_num_queries):
    users = [UserFactory() for _ in range(12)]
    client.force_login(admin_user)
    data = {"action": "delete_selected", "post": "yes", "_selected_action": [u.pk for u in users]}
    response = client.post("/admin/auth/user/", data)
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[u.pk for u in users]).exists()
    assert sorted(int(e.target_id) for e in deletes()) == sorted(u.pk for u in users)
    assert {e.target_type for e in deletes()} == {"auth.user"}


def test_admin_delete_of_a_customer_names_it_by_id(client, admin_user):
    customer = CustomerFactory(display_name="Private Person")
    client.force_login(admin_user)
    client.post(f"/admin/lifecycle/customer/{customer.pk}/delete/", {"post": "yes"})
    [entry] = deletes()
    assert entry.target_repr == f"Customer #{customer.pk}"


def _change_form_data(response) -> dict:
    """The admin change form's current values, as the browser would post them back."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
        forms += inline.formset.forms
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def test_admin_inline_row_delete_is_audited_on_its_parent(client, admin_user):
    customer = CustomerFactory()
    extra = CustomerEmail.objects.create(customer=customer, address="second@example.com")
    client.force_login(admin_user)
    url = f"/admin/lifecycle/customer/{customer.pk}/change/"
    data = _change_form_data(client.get(url))
    index = next(
        k for k, v in data.items() if k.startswith("emails-") and k.endswith("-id") and v == extra.pk
    )
    data[index.removesuffix("-id") + "-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert not CustomerEmail.objects.filter(pk=extra.pk).exists()
    [entry] = deletes()
    assert (entry.target_type, entry.target_id) == ("lifecycle.customer", str(customer.pk))
    assert entry.target_repr == f"customer email of Customer #{customer.pk}"
    assert entry.details == {"via": "admin", "deleted": "customer email"}
