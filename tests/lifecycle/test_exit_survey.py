from datetime import timedelta

import pytest
from django.utils import timezone

from lifecycle.models import ExitSurvey
from lifecycle.services import exit_survey_token
from tests.factories import CustomerFactory


@pytest.fixture
def survey(db):
    now = timezone.now()
    return ExitSurvey.objects.create(
        customer=CustomerFactory(), churned_at=now, expires_at=now + timedelta(days=30)
    )


def _url(survey):
    return f"/customers/survey/{exit_survey_token(survey)}/"


def test_exit_survey_opens_without_login(client, survey):
    response = client.get(_url(survey))
    assert response.status_code == 200
    assert b"main reason you left" in response.content


def test_exit_survey_answer_is_stored_once(client, survey):
    response = client.post(_url(survey), {"reason": "price", "comment": "Half the price elsewhere"})
    assert response.status_code == 200 and b"Thank you" in response.content
    survey.refresh_from_db()
    assert (survey.reason, survey.comment) == ("price", "Half the price elsewhere")
    assert survey.answered_at is not None
    again = client.post(_url(survey), {"reason": "support", "comment": "changed my mind"})
    assert again.status_code == 410
    survey.refresh_from_db()
    assert survey.reason == "price"


@pytest.mark.parametrize("token", ["1.forged", "not-a-token", "99999999.abc", "1"])
def test_exit_survey_wrong_token_is_not_found(client, survey, token):
    assert client.get(f"/customers/survey/{token}/").status_code == 404
    assert client.post(f"/customers/survey/{token}/", {"reason": "price"}).status_code == 404


def test_exit_survey_token_of_another_survey_cannot_be_guessed(client, survey):
    token = exit_survey_token(survey)
    pk, signature = token.split(".", 1)
    assert client.get(f"/customers/survey/{int(pk) + 1}.{signature}/").status_code == 404


def test_exit_survey_expired_is_gone(client, survey):
    ExitSurvey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(_url(survey)).status_code == 410
    assert client.post(_url(survey), {"reason": "price"}).status_code == 410
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_exit_survey_without_reason_is_a_form_error(client, survey):
    response = client.post(_url(survey), {"comment": "no reason"})
    assert response.status_code == 400
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_exit_survey_report_counts_by_reason(client, manager, survey):
    now = timezone.now()
    for reason in ["price", "price", "support"]:
        ExitSurvey.objects.create(
            customer=CustomerFactory(),
            churned_at=now,
            expires_at=now,
            answered_at=now,
            reason=reason,
            comment="c",
        )
    client.force_login(manager)
    response = client.get("/customers/surveys/")
    assert response.status_code == 200
    assert [(row["reason"], row["count"]) for row in response.context["counts"]] == [
        ("price", 2),
        ("support", 1),
    ]
    assert response.context["total"] == 3


def test_exit_survey_report_query_count(client, manager, django_assert_max_num_queries):
    now = timezone.now()
    for index in range(12):
        ExitSurvey.objects.create(
            customer=CustomerFactory(),
            churned_at=now,
            expires_at=now,
            answered_at=now,
            reason="price",
            comment=f"{index}",
        )
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get("/customers/surveys/")
    assert len(response.context["answers"]) == 12
