from django.db.models import QuerySet

from .models import AuditEntry

PAGE_SIZE = 50


def audit_entries(*, action: str = "", actor: str = "", before_id: int | None = None) -> QuerySet[AuditEntry]:
    """Newest first, keyset-paged by id."""
    entries = AuditEntry.objects.all()
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor_name=actor)
    if before_id:
        entries = entries.filter(id__lt=before_id)
    return entries.order_by("-id")
