"""Customers created whole (the API: addresses, phones, external ids and organization at once) or
many at once (ticket intake in bulk)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..models import Customer, CustomerEmail
from .customers import customer_find_or_create, normalize_email, normalize_name, organization_get_or_create
from .history import surviving


@transaction.atomic
def customer_create(
    *,
    display_name: str = "",
    emails: list[str] = (),
    phones: list[str] = (),
    external_ids: list[dict] = (),
    organization: str | None = None,
    preferred_language: str = "",
    time_zone: str = "",
    marketing_consent: bool = False,
) -> Customer:
    """A new customer; refuses addresses or external ids that already belong to someone."""
    from .customers import customer_external_id_add, customer_phone_add

    addresses = list(dict.fromkeys(normalize_email(a) for a in emails))  # once each, in order
    taken = list(CustomerEmail.objects.filter(address__in=addresses).values_list("address", flat=True))
    if taken:
        raise ValidationError({"emails": f"Already a customer's address: {', '.join(sorted(taken))}."})
    if addresses:
        customer = customer_find_or_create(email=addresses[0], name=display_name)
        for address in addresses[1:]:
            CustomerEmail.objects.create(customer=customer, address=address)
    else:
        customer = Customer.objects.create(display_name=normalize_name(display_name))
    for number in phones:
        customer_phone_add(customer=customer, number=number)
    for external in external_ids:
        customer_external_id_add(
            customer=customer, source=external["source"], external_id=external["external_id"]
        )
    customer.preferred_language, customer.time_zone = preferred_language, time_zone
    customer.marketing_consent = marketing_consent
    if organization:
        customer.organization = organization_get_or_create(name=organization)
    customer.save()
    return customer


@transaction.atomic
def customers_find_or_create_bulk(*, people: dict[str, str]) -> dict[str, Customer]:
    """customer_find_or_create for many addresses at once: {address: name for a new customer} ->
    {normalised address: customer}, with one query to find and one insert per table to create."""
    names = {normalize_email(address): name for address, name in people.items()}
    found = customers_for_addresses(names)
    missing = [address for address in names if address not in found]
    if not missing:
        return found
    try:
        with transaction.atomic():
            created = Customer.objects.bulk_create(
                [Customer(display_name=normalize_name(names[a])) for a in missing]
            )
            CustomerEmail.objects.bulk_create(
                [
                    CustomerEmail(customer=c, address=a, is_primary=True)
                    for a, c in zip(missing, created, strict=True)
                ]
            )
        found.update(zip(missing, created, strict=True))
    except IntegrityError:  # another process created one of these addresses a moment ago
        for address in missing:
            found[address] = customer_find_or_create(email=address, name=names[address])
    return found


def customers_for_addresses(addresses) -> dict[str, Customer]:
    """The (surviving) customers owning these normalised addresses, by address; one query."""
    rows = CustomerEmail.objects.select_related("customer").filter(address__in=list(addresses))
    return {email.address: surviving(email.customer) for email in rows}
