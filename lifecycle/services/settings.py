"""The thresholds admins may change."""

from django.db import transaction

from ..models import LifecycleSettings

FIELDS = (
    "retention_window_days",
    "purchases_for_loyalty",
    "nps_promoter_score",
    "churn_inactivity_days",
    "survey_valid_days",
)


@transaction.atomic
def lifecycle_settings_update(*, by, **values: int) -> LifecycleSettings:
    """Change some thresholds; they apply to events processed from now on (the past stays)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"Unknown lifecycle settings: {', '.join(sorted(unknown))}")
    row = LifecycleSettings.objects.select_for_update().get_or_create(pk=1)[0]
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row
