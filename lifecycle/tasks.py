from celery import shared_task

from .services import churn_inactive_customers, exit_surveys_dispatch


@shared_task
def lifecycle_churn_inactive() -> dict[str, int]:
    """Hourly: churn inactive paying customers (set-based), then queue their survey emails."""
    churned, surveys = churn_inactive_customers()
    emails = exit_surveys_send_pending()
    return {"churned": churned, "surveys": surveys, "emails": emails}


@shared_task
def exit_surveys_send_pending() -> int:
    """Queue the emails of surveys opened in bulk, a batch at a time; also sweeps any left over."""
    total = 0
    while sent := exit_surveys_dispatch():
        total += sent
    return total
