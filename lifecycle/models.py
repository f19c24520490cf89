"""Customers and where they stand in their lifecycle (see shared/LIFECYCLE.md)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


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


class Organization(models.Model):
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="lifecycle_org_name_uniq")]

    def __str__(self) -> str:
        return self.name


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["stage", "last_activity_at"], name="lifecycle_cust_stage_idx"),
            models.Index(fields=["-churn_risk_score"], name="lifecycle_cust_risk_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name or f"Customer {self.pk}"

    @property
    def first_name(self) -> str:
        return (self.display_name or "").split(" ")[0]


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
