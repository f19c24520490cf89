import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from lifecycle.models import Customer, CustomerEmail
from tests.factories import PASSWORD  # noqa: F401 - factories module sets up hashing once
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "customers": Customer.objects.count(),
        "emails": CustomerEmail.objects.count(),
    }


def test_seed_demo_creates_demo_logins_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", tickets=50, customers=20, seed=1)
    first = counts()
    assert first["customers"] == 20
    for username in ("agent", "manager", "admin", "customer"):
        assert User.objects.get(username=username).check_password("demo")
    call_command("seed_demo", tickets=50, customers=20, seed=1)
    assert counts() == first


def test_seed_demo_is_reproducible(settings):
    settings.DEBUG = True
    call_command("seed_demo", tickets=10, customers=15, seed=7)
    names = list(Customer.objects.order_by("pk").values_list("display_name", "preferred_language"))
    Ticket.objects.all().delete()
    Customer.objects.all().delete()
    call_command("seed_demo", tickets=10, customers=15, seed=7)
    assert list(Customer.objects.order_by("pk").values_list("display_name", "preferred_language")) == names


def test_seed_demo_portal_customer_is_linked(settings):
    settings.DEBUG = True
    call_command("seed_demo", tickets=10, customers=5)
    assert Customer.objects.get(user__username="customer").emails.get().address == "customer@example.com"


def test_seed_demo_refuses_in_production_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="production mode"):
        call_command("seed_demo", tickets=10)
    assert not User.objects.filter(username="agent").exists()
