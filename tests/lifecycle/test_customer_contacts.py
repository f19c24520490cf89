import pytest
from django.core.exceptions import ValidationError

from lifecycle.selectors import customer_lookup
from lifecycle.services import (
    customer_email_add,
    customer_email_remove,
    customer_external_id_add,
    customer_external_id_remove,
    customer_find_or_create,
    customer_merge,
    customer_phone_add,
    customer_phone_remove,
    customer_update,
)
from tests.factories import CustomerFactory, OrganizationFactory


def test_customer_lookup_by_any_address_phone_or_external_id(customer):
    customer_email_add(customer=customer, address="Second@Example.TEST")
    customer_phone_add(customer=customer, number="+44 20 7946 0958")
    customer_external_id_add(customer=customer, source="CRM", external_id="A-9")
    for value in ["second@example.test", " SECOND@example.test ", "+442079460958", "crm:A-9", "A-9"]:
        assert customer_lookup(value=value) == customer, value
    assert customer_lookup(value="nobody@example.test") is None
    assert customer_lookup(value="") is None


def test_customer_lookup_follows_merges(customer, agent):
    other = CustomerFactory(email="old@example.test")
    customer_merge(source=other, target=customer, by=agent)
    assert customer_lookup(value="old@example.test") == customer
    assert customer_find_or_create(email="OLD@example.test") == customer


def test_customer_email_remove_promotes_another_primary(customer):
    customer_email_add(customer=customer, address="b@example.test")
    primary = customer.emails.get(is_primary=True).address
    customer_email_remove(customer=customer, address=primary)
    assert customer.emails.get().is_primary
    with pytest.raises(ValidationError):
        customer_email_remove(customer=customer, address="missing@example.test")


def test_customer_email_add_primary_demotes_the_old_one(customer):
    customer_email_add(customer=customer, address="new@example.test", primary=True)
    assert customer.emails.get(is_primary=True).address == "new@example.test"
    with pytest.raises(ValidationError):
        customer_email_add(customer=customer, address="not an address")


def test_customer_phone_and_external_id_add_remove(customer):
    customer_phone_add(customer=customer, number="(555) 010-0000")
    customer_phone_add(customer=customer, number="555 010 0000")  # the same number again
    assert customer.phones.count() == 1
    customer_phone_remove(customer=customer, number="555-010-0000")
    assert not customer.phones.exists()
    with pytest.raises(ValidationError):
        customer_phone_add(customer=customer, number="12")
    customer_external_id_add(customer=customer, source="shop", external_id="7")
    with pytest.raises(ValidationError):
        customer_external_id_add(customer=CustomerFactory(), source="SHOP", external_id="7")
    customer_external_id_remove(customer=customer, source="shop", external_id="7")
    assert not customer.external_ids.exists()


def test_customer_update_changes_only_given_fields(customer):
    org = OrganizationFactory()
    customer_update(
        customer=customer, display_name="  Grace Hopper ", organization=org, marketing_consent=True
    )
    customer.refresh_from_db()
    assert (customer.display_name, customer.organization, customer.marketing_consent) == (
        "Grace Hopper",
        org,
        True,
    )
    customer_update(customer=customer, preferred_language="en")
    customer.refresh_from_db()
    assert customer.organization == org and customer.preferred_language == "en"
    customer_update(customer=customer, clear_organization=True)
    customer.refresh_from_db()
    assert customer.organization is None
