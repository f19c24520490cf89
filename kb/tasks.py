from celery import shared_task

from .services import popularity_refresh


@shared_task
def kb_popularity_refresh() -> int:
    """Hourly: articles' popularity from the last 30 days of views (orders "popular articles")."""
    return popularity_refresh()
