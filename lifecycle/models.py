"""Customers and where they stand in their lifecycle (see shared/LIFECYCLE.md)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce, Greatest, Lower

POSITIVE = [MinValueValidator(1), MaxValueValidator(3650)]


class Stage(models.TextChoices):
    REACH = "reach", "Reach"
    ACQUISITION = "acquisition", "Acquisition"
    CONVERSION = "conversion", "Conversion"
    RETENTION = "retention", "Retention"
    LOYALTY = "loyalty", "Loyalty"
    CHURNED = "churned", "Churned"


# The five forward stages, in order; `churned` stands outside the order.
FORWARD_STAGES = (Stage.REACH, Stage.ACQUISITION, Stage.CONVERSION, Stage.RETENTION, Stage.LOYALTY)
PAYING_STAGES = (Stage.CONVERSION, Stage.RETENTION, Stage.LOYALTY)


def inactivity_anchor() -> Greatest:
    """The time a paying customer's inactivity window runs from: their last activity or the time they
    entered their stage, whichever is later (lifecycle.rules.inactivity_deadline, in SQL)."""
    return Greatest(Coalesce("last_activity_at", "stage_since"), Coalesce("stage_since", "last_activity_at"))


class Organization(models.Model):
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="lifecycle_org_name_uniq")]

    def __str__(self) -> str:
        return self.name


# What erased free text (bodies, subjects, comments) reads from then on.
ERASED_TEXT = "[erased]"


ERASED_NAME_PREFIX = "Erased customer #"


def erased_name(customer_id: int) -> str:
    """What an erased customer is called, everywhere their name was."""
    return f"{ERASED_NAME_PREFIX}{customer_id}"


class CustomerQuerySet(models.QuerySet):
    def active(self):
        """Customers that were not merged into another."""
        return self.filter(merged_into__isnull=True)


class Customer(models.Model):
    """A person we serve. Found by any of their addresses or external ids."""

    display_name = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    preferred_language = models.CharField(max_length=16, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    stage = models.CharField(max_length=16, choices=Stage.choices, null=True, blank=True)
    stage_since = models.DateTimeField(null=True, blank=True)
    churn_risk_score = models.FloatField(default=0.0, help_text="0 (no risk) to 1 (high risk).")
    churn_risk_reasons = models.JSONField(default=list, blank=True)
    marketing_consent = models.BooleanField(default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
        help_text="The portal login of this customer, if any.",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_customers"
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the customer's personal data was erased on request (the record stays, anonymous).",
    )
    # Kept by every write of the history, so that an event later than all others is applied to
    # the stored state without reading the customer's past (lifecycle.services.history).
    last_input_at = models.DateTimeField(
        null=True, blank=True, help_text="The time of the latest event or stage correction."
    )
    purchase_count = models.PositiveIntegerField(default=0, help_text="Purchases, renewals included.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["stage", "last_activity_at"], name="lifecycle_cust_stage_idx"),
            models.Index(fields=["-churn_risk_score"], name="lifecycle_cust_risk_idx"),
            # The periodic churn rule: paying customers by the start of their inactivity window.
            models.Index(
                inactivity_anchor(),
                name="lifecycle_cust_inactive_idx",
                condition=models.Q(stage__in=PAYING_STAGES, merged_into__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or f"Customer {self.pk}"

    @property
    def first_name(self) -> str:
        if self.erased_at is not None:
            return ""  # not "Erased" in a greeting
        return (self.display_name or "").split(" ")[0]

    @property
    def audit_label(self) -> str:
        """The customer named by id only: what the audit log keeps, so erasing leaves no name there."""
        return f"Customer #{self.pk}"


class CustomerEmail(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(max_length=254, unique=True, help_text="Stored lower-cased.")
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "pk"]

    def __str__(self) -> str:
        return self.address


class CustomerPhone(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=32, db_index=True)

    def __str__(self) -> str:
        return self.number


class CustomerExternalId(models.Model):
    """An id of this customer in another system (shop, CRM, chat platform)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="external_ids")
    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="lifecycle_extid_uniq")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class TouchpointEvent(models.Model):
    """Something a customer did or that happened to them, with its own time.

    Recorded once per (source, idempotency_key): a re-delivered event records nothing new.
    """

    class Type(models.TextChoices):
        VISITED = "visited", "Visited"
        SUBSCRIBED = "subscribed", "Subscribed"
        CAMPAIGN_CLICK = "campaign_click", "Campaign click"
        SIGNED_UP = "signed_up", "Signed up"
        TRIAL_STARTED = "trial_started", "Trial started"
        LEAD_CREATED = "lead_created", "Lead created"
        PRESALES_QUESTION = "presales_question", "Pre-sales question"
        PURCHASE = "purchase", "Purchase"
        SUBSCRIPTION_STARTED = "subscription_started", "Subscription started"
        RENEWAL = "renewal", "Renewal"
        NPS = "nps", "NPS answer"
        REFERRAL = "referral", "Referral"
        CANCELLED = "cancelled", "Cancelled"
        REFUND = "refund", "Refund and leave"
        SUPPORT_TICKET = "support_ticket", "Support ticket opened"
        OTHER = "other", "Other"

    # No index of its own: lifecycle_event_cust_idx (customer, occurred_at) serves it.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField(max_length=32, choices=Type.choices)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=64, default="helpdesk")
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="lifecycle_event_idem_uniq",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "occurred_at"], name="lifecycle_event_cust_idx"),
            models.Index(fields=["type", "occurred_at"], name="lifecycle_event_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class StageChange(models.Model):
    """One move of a customer between stages, at the time it happened (not when we learnt it).

    The rows with `superseded_at` null are the customer's history; ordering by
    (occurred_at, id) replays it, and its last `to_stage` is the customer's current stage.
    A late event that changes the past supersedes the affected rows and appends new ones,
    so the table is append-only for readers that follow it by id (the KPI workers).
    """

    class Cause(models.TextChoices):
        EVENT = "event", "Event"
        RULE = "rule", "Rule"
        PERSON = "person", "Person"

    # No index of its own: lifecycle_stage_cust_idx (customer, occurred_at, id) serves it.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="stage_changes", db_index=False
    )
    from_stage = models.CharField(max_length=16, choices=Stage.choices, null=True, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    cause = models.CharField(max_length=8, choices=Cause.choices)
    event = models.ForeignKey(
        TouchpointEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="stage_changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    correction = models.ForeignKey(
        "StageCorrection", null=True, blank=True, on_delete=models.SET_NULL, related_name="stage_changes"
    )

    class Meta:
        indexes = [
            models.Index(fields=["customer", "occurred_at", "id"], name="lifecycle_stage_cust_idx"),
            models.Index(fields=["to_stage", "occurred_at"], name="lifecycle_stage_to_idx"),
            # "Did this customer enter one of these stages soon after?" (the funnel's moved_on).
            models.Index(fields=["customer", "to_stage", "occurred_at"], name="lifecycle_stage_cust_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage} @ {self.occurred_at:%Y-%m-%d}"

    @property
    def is_live(self) -> bool:
        return self.superseded_at is None


class LifecycleSettings(models.Model):
    """The thresholds the rules use; one row, changed by admins (see LifecycleSettings.load)."""

    retention_window_days = models.PositiveIntegerField(
        default=90,
        validators=POSITIVE,
        help_text="A converted customer still active this many days after converting is retained.",
    )
    purchases_for_loyalty = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(1000)],
        help_text="Purchases (all time) that make a paying customer loyal.",
    )
    nps_promoter_score = models.PositiveSmallIntegerField(
        default=9,
        validators=[MaxValueValidator(10)],
        help_text="An NPS answer at or above this score (0-10) makes a paying customer loyal.",
    )
    churn_inactivity_days = models.PositiveIntegerField(
        default=180,
        validators=POSITIVE,
        help_text="A paying customer with no activity for longer than this has churned.",
    )
    survey_valid_days = models.PositiveIntegerField(
        default=30, validators=POSITIVE, help_text="How long the link of an exit survey can be answered."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lifecycle settings"
        verbose_name_plural = "lifecycle settings"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="lifecycle_settings_singleton")]

    def __str__(self) -> str:
        return "Lifecycle settings"

    @classmethod
    def load(cls) -> "LifecycleSettings":
        # A migration creates the row; get_or_create only matters if someone deleted it.
        return cls.objects.filter(pk=1).first() or cls.objects.get_or_create(pk=1)[0]


class StageCorrection(models.Model):
    """A person's correction of a customer's stage: an input to the history, like an event.

    Replays keep it at its own time; its StageChange row points back to it.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="stage_corrections")
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "occurred_at"], name="lifecycle_corr_cust_idx")]

    def __str__(self) -> str:
        return f"→ {self.to_stage} @ {self.occurred_at:%Y-%m-%d} ({self.reason})"


class ExitSurvey(models.Model):
    """Why a churned customer left: created when they churn, answered once through a signed link."""

    class Reason(models.TextChoices):
        PRICE = "price", "Too expensive"
        FEATURES = "features", "Missing features I need"
        COMPETITOR = "competitor", "Switched to another provider"
        SUPPORT = "support", "Disappointed by customer service"
        QUALITY = "quality", "Quality or reliability problems"
        NOT_NEEDED = "not_needed", "I no longer need it"
        OTHER = "other", "Another reason"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="exit_surveys")
    churned_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    email_queued_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    comment = models.TextField(blank=True, max_length=4000)

    class Meta:
        indexes = [
            models.Index(fields=["email_queued_at"], name="lifecycle_survey_queue_idx"),
            models.Index(fields=["answered_at"], name="lifecycle_survey_answer_idx"),
        ]

    def __str__(self) -> str:
        return f"Exit survey {self.pk} of customer {self.customer_id}"


class CustomerMerge(models.Model):
    """Who merged which customer into which, and when."""

    source = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"
