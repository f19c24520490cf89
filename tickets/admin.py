"""Admin: configuration (teams, tags, SLA policies, canned replies, saved views) is edited here;
tickets, messages, attachments, ratings and the event log are read-only, because only the
services in tickets/services/ may change them (they record the events the KPIs read)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from helpdesk.roles import ADMIN, has_role

from .channels.email.ingest import raw_email_retry
from .channels.email.views import raw_email_response
from .models import (
    Attachment,
    CannedReply,
    ConversationLink,
    Message,
    PortalMagicLink,
    RawEmail,
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


@admin.register(ConversationLink)
class ConversationLinkAdmin(ReadOnlyAdmin):
    list_display = ["channel", "conversation_id", "ticket", "sender_name", "updated_at"]
    list_filter = ["channel"]
    list_select_related = ["ticket"]
    search_fields = ["=conversation_id", "=ticket__id", "sender_id"]
    raw_id_fields = ["ticket"]


@admin.register(PortalMagicLink)
class PortalMagicLinkAdmin(ReadOnlyAdmin):
    list_display = ["email", "customer", "created_at", "expires_at", "used_at"]
    list_select_related = ["customer"]
    search_fields = ["email"]
    exclude = ["token_hash"]
    raw_id_fields = ["customer"]


class RawEmailAdmin(ReadOnlyAdmin):
    """Inbound emails, quarantine first: admins see why a message was held and retry it.

    Only admins (helpdesk.roles.ADMIN) see them: raw mail holds customers' whole messages.
    """

    list_display = [
        "received_at",
        "state",
        "sender",
        "subject",
        "reason_short",
        "source",
        "size",
        "ticket_id",
    ]
    list_filter = ["state", "source", "is_automatic"]
    search_fields = ["sender", "subject", "header_message_id"]
    ordering = ["-received_at"]
    actions = ["retry"]
    exclude = ["raw"]
    readonly_fields = ["raw_download", "raw_preview"]

    def has_view_permission(self, request, obj=None) -> bool:
        return has_role(request.user, ADMIN)

    def has_module_permission(self, request) -> bool:
        return has_role(request.user, ADMIN)

    def get_urls(self):
        download = path(
            "<int:pk>/raw/", self.admin_site.admin_view(self.raw_view), name="tickets_rawemail_raw"
        )
        return [download, *super().get_urls()]

    def raw_view(self, request, pk: int):
        raw_email = get_object_or_404(RawEmail, pk=pk)
        if not self.has_view_permission(request, raw_email):
            raise PermissionDenied
        return raw_email_response(raw_email)

    @admin.display(description="reason")
    def reason_short(self, obj: RawEmail) -> str:
        return Truncator(obj.reason).chars(80)

    @admin.display(description="original message")
    def raw_download(self, obj: RawEmail) -> str:
        url = reverse("admin:tickets_rawemail_raw", args=[obj.pk])
        return format_html('<a href="{}">Download the raw message (.eml, {} bytes)</a>', url, obj.size)

    @admin.display(description="raw message (start)")
    def raw_preview(self, obj: RawEmail) -> str:
        text = bytes(obj.raw[:20000]).decode("utf-8", errors="replace")
        return format_html('<pre dir="auto" style="white-space: pre-wrap">{}</pre>', text)

    @admin.action(description="Retry the selected quarantined emails")
    def retry(self, request, queryset):
        done = 0
        for raw_email in queryset.filter(state=RawEmail.State.QUARANTINED).order_by("pk"):
            raw_email_retry(raw_email=raw_email)
            done += raw_email.state != RawEmail.State.QUARANTINED
        held = queryset.filter(state=RawEmail.State.QUARANTINED).count()
        self.message_user(request, f"{done} processed; {held} still quarantined.")


admin.site.register(RawEmail, RawEmailAdmin)
