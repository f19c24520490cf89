import pytest
from django.utils.module_loading import import_string

from lifecycle.services import merge_handlers
from tests.factories import TicketFactory
from tickets.models import Ticket
from tickets.services import customer_tickets_move

pytestmark = pytest.mark.django_db


def test_customer_tickets_move_repoints_tickets_to_the_survivor():
    a = TicketFactory(customer_email="a@example.test")
    TicketFactory(customer_email="a@example.test")
    b = TicketFactory(customer_email="b@example.test")
    assert customer_tickets_move(source=a.customer, target=b.customer) == 2
    assert set(Ticket.objects.values_list("customer", flat=True)) == {b.customer_id}


def test_customer_tickets_move_is_a_registered_merge_handler(settings):
    assert import_string("tickets.services.customer_tickets_move") in merge_handlers()
