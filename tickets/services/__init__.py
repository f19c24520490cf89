"""Every write to tickets goes through these services (STYLE.md); views and the API call them.

Each service is keyword-only, runs in one transaction and records its TicketEvent rows (see the
event-log contract in tickets/models.py).
"""

from .attachments import attachment_add, attachment_filename, sniff_content_type
from .canned import PLACEHOLDER_NAMES, canned_reply_apply, canned_reply_render
from .erasure import customer_tickets_erase
from .events import TicketFrozen, event_record
from .messages import (
    ReplyCollision,
    messages_delivery_sync,
    ticket_customer_message,
    ticket_note,
    ticket_reply,
    ticket_system_message,
)
from .saved_views import saved_view_create, saved_view_delete
from .search import search_document_append, search_documents_rebuild
from .sla import sla_due_times
from .status import TRANSITIONS, transition_allowed
from .tickets import (
    UNSET,
    customer_tickets_move,
    tag_name,
    tags_resolve,
    ticket_assign,
    ticket_create,
    ticket_mark_spam,
    ticket_merge,
    ticket_rate,
    ticket_set_priority,
    ticket_set_status,
    ticket_set_tags,
    ticket_set_team,
    ticket_set_type,
    tickets_bulk_update,
)

__all__ = [
    "PLACEHOLDER_NAMES",
    "TRANSITIONS",
    "UNSET",
    "ReplyCollision",
    "TicketFrozen",
    "attachment_add",
    "attachment_filename",
    "canned_reply_apply",
    "canned_reply_render",
    "customer_tickets_erase",
    "customer_tickets_move",
    "event_record",
    "messages_delivery_sync",
    "saved_view_create",
    "saved_view_delete",
    "search_document_append",
    "search_documents_rebuild",
    "sla_due_times",
    "sniff_content_type",
    "tag_name",
    "tags_resolve",
    "ticket_assign",
    "ticket_create",
    "ticket_customer_message",
    "ticket_mark_spam",
    "ticket_merge",
    "ticket_note",
    "ticket_rate",
    "ticket_reply",
    "ticket_set_priority",
    "ticket_set_status",
    "ticket_set_tags",
    "ticket_set_team",
    "ticket_set_type",
    "ticket_system_message",
    "tickets_bulk_update",
    "transition_allowed",
]
