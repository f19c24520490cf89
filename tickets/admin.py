"""Admin: configuration (teams, tags, SLA policies, canned replies, saved views) is edited here;
tickets, messages, attachments, ratings and the event log are read-only, because only the
services in tickets/services/ may change them (they record the events the KPIs read)."""

from django.contrib import admin

from .models import (
    Attachment,
    CannedReply,
    Message,
    SatisfactionRating,
    SavedView,
    SLAPolicy,
    Tag,
    Team,
    Ticket,
    TicketEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: change these through the services (the workspace or the API)."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["members", "leads", "qa_reviewers"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["priority", "first_response_minutes", "resolution_minutes"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "set_status", "set_priority", "is_active"]
    list_filter = ["is_active", "team", "set_status"]
    search_fields = ["title", "body"]
    raw_id_fields = ["created_by"]


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "query", "created_at"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["owner"]


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["created_at", "kind", "sender", "author", "channel", "body_text", "delivery_state"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ["occurred_at", "kind", "actor", "before", "after", "message"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "subject",
        "status",
        "priority",
        "channel",
        "direction",
        "team",
        "assignee",
        "created_at",
    ]
    list_filter = ["status", "priority", "channel", "direction", "type", "is_spam", "team"]
    list_select_related = ["team", "assignee"]
    search_fields = ["=id", "subject", "requester_email"]
    raw_id_fields = ["customer", "assignee", "merged_into"]
    date_hierarchy = "created_at"
    inlines = [MessageInline, EventInline]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "ticket", "kind", "sender", "author", "channel", "delivery_state", "created_at"]
    list_filter = ["kind", "sender", "channel", "delivery_state"]
    list_select_related = ["ticket", "author"]
    search_fields = ["=ticket__id", "=external_message_id"]
    raw_id_fields = ["ticket", "author"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["filename", "content_type", "size", "message", "created_at"]
    list_filter = ["content_type"]
    search_fields = ["filename", "=message__ticket__id"]
    raw_id_fields = ["message"]


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "ticket", "kind", "actor", "before", "after", "occurred_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    search_fields = ["=ticket__id"]
    raw_id_fields = ["ticket", "actor", "message"]


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "score", "created_at"]
    list_filter = ["score"]
    list_select_related = ["ticket"]
    search_fields = ["=ticket__id", "comment"]
    raw_id_fields = ["ticket"]
