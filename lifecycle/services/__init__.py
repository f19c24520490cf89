"""Writes to lifecycle data. Other apps call these; nothing else writes these tables."""

from .churn import churn_inactive_customers
from .customers import (
    customer_email_add,
    customer_email_remove,
    customer_external_id_add,
    customer_external_id_remove,
    customer_find_or_create,
    customer_merge,
    customer_phone_add,
    customer_phone_remove,
    customer_profile_update,
    customer_set_churn_risk,
    customer_update,
    customers_set_churn_risk,
    merge_handlers,
    normalize_email,
    normalize_name,
    normalize_phone,
    organization_get_or_create,
)
from .data_rights import customer_erase, customer_export, customer_ids_merged
from .history import (
    customer_lock_by_email,
    customers_lock,
    history_replay,
    stage_correct,
    surviving,
    thresholds_current,
)
from .settings import lifecycle_settings_update
from .surveys import exit_survey_answer, exit_survey_from_token, exit_survey_token, exit_surveys_dispatch
from .touchpoints import touchpoint_record, touchpoints_record_bulk

__all__ = [
    "churn_inactive_customers",
    "customer_email_add",
    "customer_email_remove",
    "customer_erase",
    "customer_export",
    "customer_external_id_add",
    "customer_external_id_remove",
    "customer_find_or_create",
    "customer_ids_merged",
    "customer_lock_by_email",
    "customer_merge",
    "customer_phone_add",
    "customer_phone_remove",
    "customer_profile_update",
    "customer_set_churn_risk",
    "customer_update",
    "customers_lock",
    "customers_set_churn_risk",
    "exit_survey_answer",
    "exit_survey_from_token",
    "exit_survey_token",
    "exit_surveys_dispatch",
    "history_replay",
    "lifecycle_settings_update",
    "merge_handlers",
    "normalize_email",
    "normalize_name",
    "normalize_phone",
    "organization_get_or_create",
    "stage_correct",
    "surviving",
    "thresholds_current",
    "touchpoint_record",
    "touchpoints_record_bulk",
]
