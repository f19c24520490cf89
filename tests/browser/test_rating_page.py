import pytest

from tests.browser.conftest import screenshot
from tests.factories import TicketFactory
from tickets.channels.email.followup import rating_token
from tickets.models import SatisfactionRating

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_rates_from_the_followup_link_without_signing_in(page):
    ticket = TicketFactory(subject="מדפסת לא עובדת")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/rate/{rating_token(ticket)}/?score=4")
    assert page.get_by_label("4 - Happy").is_checked()
    page.get_by_label("Anything you would like to tell us? (optional)").fill("Quick and kind, thank you.")
    screenshot(page, "rating-form-phone")
    page.get_by_label("5 - Very happy").check()
    page.get_by_role("button", name="Send rating").click()
    page.get_by_role("heading", name="Thank you for your rating").wait_for()
    screenshot(page, "rating-thanks-phone")
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment) == (5, "Quick and kind, thank you.")
