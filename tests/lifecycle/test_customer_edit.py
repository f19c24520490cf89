"""Agents and managers edit a customer's name, contacts, ids and preferences from the customer page."""

import pytest

from helpdesk.roles import QA_REVIEWER
from lifecycle.models import Customer, CustomerExternalId, Organization
from lifecycle.services import customer_external_id_add, customer_phone_add, customer_profile_update
from tests.factories import CustomerFactory, OrganizationFactory, staff_user


def _form(customer: Customer, **changes) -> dict:
    values = {
        "display_name": customer.display_name,
        "emails": "\n".join(customer.emails.values_list("address", flat=True)),
        "phones": "",
        "external_ids": "",
        "organization": "",
        "preferred_language": "",
        "time_zone": "",
    }
    return {**values, **changes}


def _url(customer: Customer) -> str:
    return f"/customers/{customer.pk}/edit/"


def test_customer_edit_saves_every_field(client, agent, customer):
    customer_phone_add(customer=customer, number="+1 555 0100")
    customer_external_id_add(customer=customer, source="crm", external_id="old")
    client.force_login(agent)
    old_address = customer.emails.get().address
    response = client.post(
        _url(customer),
        _form(
            customer,
            display_name="Ada Lovelace",
            emails=f"  Ada@Example.TEST \n\n{old_address}\nada@example.test",
            phones="+44 20 7946 0958",
            external_ids="shop:1042\nCRM: A-9",
            organization="Analytical Engines",
            preferred_language="de",
            time_zone="Europe/Berlin",
            marketing_consent="on",
        ),
    )
    assert response.status_code == 302 and response.url == f"/customers/{customer.pk}/"
    customer.refresh_from_db()
    assert customer.display_name == "Ada Lovelace"
    assert list(customer.emails.order_by("-is_primary", "address").values_list("address", "is_primary")) == [
        ("ada@example.test", True),
        (old_address, False),
    ]
    assert list(customer.phones.values_list("number", flat=True)) == ["+442079460958"]
    assert set(customer.external_ids.values_list("source", "external_id")) == {
        ("shop", "1042"),
        ("crm", "A-9"),
    }
    assert customer.organization.name == "Analytical Engines"
    assert (customer.preferred_language, customer.time_zone, customer.marketing_consent) == (
        "de",
        "Europe/Berlin",
        True,
    )


def test_customer_edit_shows_the_current_values(client, manager, customer, django_assert_max_num_queries):
    customer.organization = OrganizationFactory(name="Globex")
    customer.time_zone = "Asia/Tokyo"
    customer.save()
    customer_external_id_add(customer=customer, source="shop", external_id="7")
    for index in range(12):
        OrganizationFactory(name=f"Org {index:02}")
    client.force_login(manager)
    with django_assert_max_num_queries(9):
        response = client.get(_url(customer))
    assert response.status_code == 200
    content = response.content.decode()
    assert "shop:7" in content and f"customer{customer.pk}@example.test" in content
    assert '<option value="Asia/Tokyo" selected>' in content
    assert '<option value="Org 11"></option>' in content  # the organization names to pick from
    assert 'value="Globex"' in content


def test_customer_edit_address_of_another_customer_suggests_a_merge(client, agent, customer):
    other = CustomerFactory(display_name="Other Person", email="taken@example.test")
    client.force_login(agent)
    response = client.post(
        _url(customer), _form(customer, display_name="Changed", emails="taken@example.test")
    )
    assert response.status_code == 400
    [error] = response.context["form"].errors["emails"]
    assert f"customer #{other.pk} (Other Person)" in error and "merge" in error
    customer.refresh_from_db()
    assert customer.display_name != "Changed"
    assert customer.emails.get().address == f"customer{customer.pk}@example.test"


def test_customer_edit_external_id_of_another_customer_suggests_a_merge(client, agent, customer):
    other = CustomerFactory()
    customer_external_id_add(customer=other, source="shop", external_id="1042")
    client.force_login(agent)
    response = client.post(_url(customer), _form(customer, external_ids="SHOP:1042"))
    assert response.status_code == 400
    assert f"merge #{other.pk} into this customer" in response.context["form"].errors["external_ids"][0]
    assert not CustomerExternalId.objects.filter(customer=customer).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("emails", "not an address"),
        ("external_ids", "no-colon"),
        ("phones", "12"),
        ("time_zone", "Mars/Olympus"),
        ("preferred_language", "xx-nowhere"),
    ],
)
def test_customer_edit_bad_input_is_a_form_error(client, agent, customer, field, value):
    client.force_login(agent)
    response = client.post(_url(customer), _form(customer, **{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_customer_edit_empty_organization_removes_it(client, agent, customer):
    customer.organization = OrganizationFactory(name="Initech")
    customer.save()
    client.force_login(agent)
    assert client.post(_url(customer), _form(customer)).status_code == 302
    customer.refresh_from_db()
    assert customer.organization is None
    assert Organization.objects.filter(name="Initech").exists()


def test_customer_edit_of_a_merged_customer_goes_to_the_survivor(client, agent, customer):
    merged = CustomerFactory(merged_into=customer)
    client.force_login(agent)
    response = client.get(_url(merged))
    assert response.status_code == 302 and response.url == _url(customer)


def test_customer_edit_is_not_for_qa_reviewers(client, customer):
    client.force_login(staff_user(QA_REVIEWER, username="qa_only"))
    assert client.get(_url(customer)).status_code == 403
    page = client.get(f"/customers/{customer.pk}/")
    assert page.status_code == 200 and _url(customer).encode() not in page.content


def test_customer_page_links_to_the_edit_page(client, agent, customer):
    client.force_login(agent)
    assert _url(customer).encode() in client.get(f"/customers/{customer.pk}/").content


def test_customer_profile_update_keeps_an_existing_organization_and_unique_lines(customer):
    globex = OrganizationFactory(name="Globex")
    customer_profile_update(
        customer=customer,
        display_name=" Ada ",
        emails=["a@example.test", "A@example.test"],
        phones=["+1 555 0100", "+15550100"],
        external_ids=[("Shop", "1"), ("shop", "1")],
        organization="globex",
        preferred_language="en",
        time_zone="UTC",
        marketing_consent=False,
    )
    customer.refresh_from_db()
    assert customer.display_name == "Ada" and customer.organization == globex
    assert (customer.emails.count(), customer.phones.count(), customer.external_ids.count()) == (1, 1, 1)
