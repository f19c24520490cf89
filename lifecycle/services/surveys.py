"""Exit surveys: asked when a customer churns, answered once through a signed link, no login."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from mail.services import EmailDraft, email_queue_bulk

from ..models import Customer, CustomerEmail, ExitSurvey, LifecycleSettings

TOKEN_SALT = "lifecycle.exit-survey"  # noqa: S105 - a namespace for signatures, not a secret  # nosec B105
DISPATCH_BATCH = 2000
LINK_SLOT = "survey-slot"


def exit_survey_token(survey: ExitSurvey) -> str:
    """The survey's link token: its id signed with the secret key, so nobody can guess another."""
    return signing.Signer(salt=TOKEN_SALT, sep=".").sign(str(survey.pk))


def exit_survey_from_token(token: str) -> ExitSurvey | None:
    """The survey a token names, or None for a token that was not signed by us."""
    try:
        pk = int(signing.Signer(salt=TOKEN_SALT, sep=".").unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return ExitSurvey.objects.select_related("customer").filter(pk=pk).first()


def exit_survey_open_for_churn(
    *, customer: Customer, churned_at: datetime, now: datetime
) -> ExitSurvey | None:
    """Ask a customer who has just churned why; nothing for an old churn learnt late, or twice."""
    valid = timedelta(days=LifecycleSettings.load().survey_valid_days)
    if churned_at < now - valid:
        return None
    if ExitSurvey.objects.filter(customer=customer, answered_at__isnull=True, expires_at__gt=now).exists():
        return None
    survey = ExitSurvey.objects.create(customer=customer, churned_at=churned_at, expires_at=now + valid)
    _queue_email(survey=survey, now=now)
    return survey


@transaction.atomic
def exit_survey_answer(*, survey: ExitSurvey, reason: str, comment: str = "") -> ExitSurvey:
    """Store the one answer a survey takes."""
    survey = ExitSurvey.objects.select_for_update().get(pk=survey.pk)
    if survey.answered_at is not None:
        raise ValidationError("This survey was already answered. Thank you!")
    if survey.expires_at <= timezone.now():
        raise ValidationError("This survey has expired.")
    if reason not in ExitSurvey.Reason.values:
        raise ValidationError({"reason": "Choose a reason."})
    survey.reason = reason
    survey.comment = (comment or "").strip()[:4000]
    survey.answered_at = timezone.now()
    survey.save(update_fields=["reason", "comment", "answered_at"])
    return survey


def exit_surveys_dispatch(*, limit: int = DISPATCH_BATCH) -> int:
    """Queue the emails of surveys created in bulk (the periodic churn rule), `limit` at a time in
    a few statements; returns how many surveys were handled."""
    now = timezone.now()
    with transaction.atomic():
        surveys = list(
            _with_recipient(
                ExitSurvey.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                    email_queued_at__isnull=True, expires_at__gt=now
                )
            ).order_by("pk")[:limit]
        )
        link = _link_template()
        email_queue_bulk(drafts=[_draft(survey, link) for survey in surveys if survey.address])
        ExitSurvey.objects.filter(pk__in=[survey.pk for survey in surveys]).update(email_queued_at=now)
    return len(surveys)


def _queue_email(*, survey: ExitSurvey, now: datetime) -> None:
    survey = _with_recipient(ExitSurvey.objects.filter(pk=survey.pk)).get()
    if survey.address:
        email_queue_bulk(drafts=[_draft(survey, _link_template())])
    ExitSurvey.objects.filter(pk=survey.pk).update(email_queued_at=now)


def _with_recipient(surveys: QuerySet[ExitSurvey]) -> QuerySet[ExitSurvey]:
    """Surveys with the customer's primary (else first) address and name, read in the same query."""
    first = CustomerEmail.objects.filter(customer_id=OuterRef("customer_id")).order_by("-is_primary", "pk")
    return surveys.annotate(address=Subquery(first.values("address")[:1]), name=F("customer__display_name"))


def _link_template() -> str:
    # Resolved once for a batch: reverse() costs more than the rest of an email.
    return settings.SITE_URL + reverse("lifecycle:exit_survey", args=[LINK_SLOT])


def _draft(survey: ExitSurvey, link_template: str) -> EmailDraft:
    link = link_template.replace(LINK_SLOT, exit_survey_token(survey))
    return EmailDraft(
        to=[survey.address],
        subject=f"Why did you leave {settings.HELPDESK_NAME}?",
        body_text=_body(name=survey.name or "", survey=survey, link=link),
        auto_generated=True,
    )


def _body(*, name: str, survey: ExitSurvey, link: str) -> str:
    greeting = f"Hello {name.split(' ')[0]}," if name else "Hello,"
    return (
        f"{greeting}\n\n"
        f"We are sorry to see you go. Would you tell us why you left? It takes a few seconds:\n\n"
        f"{link}\n\n"
        f"The link works once, until {survey.expires_at:%Y-%m-%d}.\n\n"
        f"Thank you,\n{settings.HELPDESK_NAME}"
    )
