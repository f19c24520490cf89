from django.contrib import admin

from . import models
from .services import settings as lifecycle_settings


class EmailInline(admin.TabularInline):
    model = models.CustomerEmail
    extra = 0


class PhoneInline(admin.TabularInline):
    model = models.CustomerPhone
    extra = 0


class ExternalIdInline(admin.TabularInline):
    model = models.CustomerExternalId
    extra = 0


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "created_at"]
    search_fields = ["name", "domain"]


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Stage fields are read-only here: they change through events and corrections (the customer page).
    An erased customer is read-only as a whole: their record takes no personal data again."""

    list_display = [
        "id",
        "display_name",
        "stage",
        "stage_since",
        "churn_risk_score",
        "organization",
        "merged_into",
    ]
    list_filter = ["stage", "preferred_language", "marketing_consent"]
    search_fields = ["display_name", "emails__address", "external_ids__external_id"]
    list_select_related = ["organization", "merged_into"]
    raw_id_fields = ["organization", "user", "merged_into"]
    readonly_fields = [
        "stage",
        "stage_since",
        "churn_risk_score",
        "churn_risk_reasons",
        "merged_into",
        "last_activity_at",
        "erased_at",
    ]
    inlines = [EmailInline, PhoneInline, ExternalIdInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.erased_at is None) and super().has_change_permission(request, obj)


@admin.register(models.TouchpointEvent)
class TouchpointEventAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "type", "occurred_at", "source", "value", "recorded_at"]
    list_filter = ["type", "source"]
    raw_id_fields = ["customer"]
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "customer",
        "from_stage",
        "to_stage",
        "occurred_at",
        "cause",
        "reason",
        "superseded_at",
    ]
    list_filter = ["to_stage", "cause"]
    raw_id_fields = ["customer", "event", "actor", "correction"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.StageCorrection)
class StageCorrectionAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "to_stage", "occurred_at", "actor", "reason"]
    raw_id_fields = ["customer", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.ExitSurvey)
class ExitSurveyAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "churned_at", "expires_at", "answered_at", "reason"]
    list_filter = ["reason"]
    raw_id_fields = ["customer"]
    readonly_fields = ["email_queued_at", "answered_at"]


@admin.register(models.LifecycleSettings)
class LifecycleSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "retention_window_days",
        "purchases_for_loyalty",
        "nps_promoter_score",
        "churn_inactivity_days",
    ]

    def has_add_permission(self, request):
        return not models.LifecycleSettings.objects.exists()

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in lifecycle_settings.FIELDS}
        lifecycle_settings.lifecycle_settings_update(by=request.user, **values)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.CustomerMerge)
class CustomerMergeAdmin(admin.ModelAdmin):
    list_display = ["source", "target", "by", "merged_at"]
    raw_id_fields = ["source", "target", "by"]

    def has_change_permission(self, request, obj=None):
        return False
