"""Writes to lifecycle data. Other apps call these; nothing else writes these tables."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from .models import Customer, CustomerEmail


def normalize_email(address: str) -> str:
    address = (address or "").strip().lower()
    validate_email(address)
    return address


def customer_find_or_create(*, email: str, name: str = "") -> Customer:
    """The customer who owns `email`, created (with that address) if nobody does."""
    address = normalize_email(email)
    found = CustomerEmail.objects.select_related("customer").filter(address=address).first()
    if found is not None:
        return _surviving(found.customer)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(display_name=(name or "").strip()[:200])
            CustomerEmail.objects.create(customer=customer, address=address, is_primary=True)
            return customer
    except IntegrityError:
        # Another request created the same address a moment ago.
        return _surviving(CustomerEmail.objects.get(address=address).customer)


def _surviving(customer: Customer) -> Customer:
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = customer.merged_into
    return customer


__all__ = ["ValidationError", "customer_find_or_create", "normalize_email"]
