"""Tickets, their conversation and the append-only log of every change (read by the KPI workers).

The facts KPIS.md needs are recorded at the moment they happen: the direction at intake, the
customer's stage before the ticket opened, every status change as a TicketEvent, and each
message with who wrote it (`sender`) and whether the customer sees it (`kind`).
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from lifecycle.models import Customer, Stage


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    leads = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="led_teams", blank=True)
    qa_reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="reviewed_teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True, help_text="Lower-case, no spaces.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet):
    def unsolved(self):
        return self.filter(status__in=Ticket.UNSOLVED)

    def counted(self):
        """Tickets that count anywhere: not deleted as spam."""
        return self.filter(is_spam=False)


def reference_for(ticket_id: int) -> str:
    """A ticket's human reference (`HD-1042`) from its id alone."""
    return f"{settings.TICKET_REFERENCE_PREFIX}-{ticket_id}"


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        ON_HOLD = "on_hold", "On hold"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        PORTAL = "portal", "Portal"
        CHAT = "chat", "Chat"
        PHONE = "phone", "Phone"
        SOCIAL = "social", "Social"
        API = "api", "API"

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class Type(models.TextChoices):
        QUESTION = "question", "Question"
        INCIDENT = "incident", "Incident"
        PROBLEM = "problem", "Problem"
        COMPLAINT = "complaint", "Complaint"
        FEEDBACK = "feedback", "Feedback"
        TASK = "task", "Task"

    UNSOLVED = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
    SOLVED = (Status.SOLVED, Status.CLOSED)

    subject = models.CharField(max_length=500)
    # The foreign keys' own indexes would repeat the first column of the composite indexes in
    # Meta.indexes (customer_idx, team_idx, assignee_idx), which serve the same lookups: one
    # index fewer to write per insert and to build after a bulk load.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets", db_index=False)
    requester_email = models.EmailField(max_length=254, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.QUESTION)
    tags = models.ManyToManyField(Tag, related_name="tickets", blank=True)
    language = models.CharField(max_length=16, blank=True)
    customer_stage_at_open = models.CharField(
        max_length=16,
        choices=Stage.choices,
        null=True,
        blank=True,
        help_text="The customer's lifecycle stage just before this ticket was opened.",
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # Denormalised from messages and events, kept by the services, for the queue and SLA timers.
    first_public_reply_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last entry into solved from an unsolved status; null while unsolved.",
    )
    last_message_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_tickets"
    )
    is_spam = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TicketQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "-updated_at", "-id"], name="tickets_status_upd_idx"),
            models.Index(fields=["assignee", "status", "-updated_at"], name="tickets_assignee_idx"),
            models.Index(fields=["team", "status", "-updated_at"], name="tickets_team_idx"),
            models.Index(fields=["customer", "-created_at"], name="tickets_customer_idx"),
            models.Index(fields=["created_at"], name="tickets_created_idx"),
            models.Index(fields=["solved_at"], name="tickets_solved_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return reference_for(self.pk)

    @property
    def merged_into_reference(self) -> str | None:
        """The survivor's reference, without loading it."""
        return reference_for(self.merged_into_id) if self.merged_into_id else None

    @property
    def audit_label(self) -> str:
        """The audit log names a ticket by reference: its subject may be the customer's own words."""
        return self.reference

    @property
    def is_solved(self) -> bool:
        return self.status in self.SOLVED


class Message(models.Model):
    """One entry in a ticket's conversation.

    A *public agent reply* (KPIS.md) is `kind=public` and `sender=agent`. Internal notes are
    `kind=note`; automatic messages (acknowledgements, follow-ups, rule macros) are `system`.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", "Public reply"
        NOTE = "note", "Internal note"
        SYSTEM = "system", "System"

    class Sender(models.TextChoices):
        AGENT = "agent", "Agent"
        CUSTOMER = "customer", "Customer"
        SYSTEM = "system", "System"

    class Delivery(models.TextChoices):
        NONE = "", "Not sent"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    # Indexed by ticket_idx and author_idx (Meta.indexes), which lead with these columns.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sender = models.CharField(max_length=8, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_messages",
        db_index=False,
        help_text="The agent (or portal user) who wrote it; null for email senders and the system.",
    )
    body_html = models.TextField(blank=True, help_text="Sanitised with an allowlist; safe to render.")
    body_text = models.TextField(blank=True)
    channel = models.CharField(max_length=10, choices=Ticket.Channel.choices)
    external_message_id = models.CharField(max_length=998, blank=True)
    delivery_state = models.CharField(max_length=8, choices=Delivery.choices, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_message_id"],
                condition=~models.Q(external_message_id=""),
                name="tickets_message_extid_uniq",
            )
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="tickets_message_ticket_idx"),
            models.Index(fields=["author", "created_at"], name="tickets_message_author_idx"),
            # The few replies whose email is still on its way (see services.messages_delivery_sync).
            models.Index(
                fields=["delivery_state"],
                condition=models.Q(delivery_state="queued"),
                name="tickets_message_queued_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    @property
    def is_public_agent_reply(self) -> bool:
        return self.kind == self.Kind.PUBLIC and self.sender == self.Sender.AGENT


class SearchDocument(models.Model):
    """A ticket's words for full-text search: its subject and every message, as one tsvector.

    One row per ticket, so that a search tests one document per ticket instead of joining millions
    of messages. Written only by tickets.services.search, and only on PostgreSQL (its GIN index is
    created by migration 0103); elsewhere the search reads subjects and messages directly.
    """

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    document = SearchVectorField()

    def __str__(self) -> str:
        return f"Search document of {self.ticket_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Never the uploaded name: it is kept in `filename` and only ever sent as a header.
    return f"attachments/{timezone.now():%Y/%m}/{instance.token}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """Append-only log of every change to a ticket: who, what, when, before → after.

    The KPI workers follow it by id. `before`/`after` hold plain JSON values; events at the same
    instant are ordered by id. Only the services in tickets/services/ write it. The contract:

    - CREATED: first event of every ticket, at its creation time. after = {"status", "priority",
      "channel", "direction", "team" (id|null), "assignee" (id|null), "type", "tags" (sorted names)}.
      The status a ticket is created in is part of CREATED (no STATUS event for it); a ticket
      created solved/closed has solved_at = created_at.
    - MESSAGE: one per message, right after CREATED for the first one. after = {"kind", "sender"},
      `message` = the Message, occurred_at = the message's created_at (never before the ticket's
      creation: an earlier stamp is stored at the creation time).
    - STATUS: before/after = status strings, occurred_at = the change. Allowed transitions are in
      tickets.services.status.TRANSITIONS (closed is final; solved -> open or closed; new is only
      the first status). Ticket.solved_at is set when entering solved/closed from an unsolved
      status, unchanged by solved -> closed, cleared on reopening. A reply to a new ticket moves
      it to open; a customer message moves solved or pending to open.
    - ASSIGNEE, TEAM: before/after = user/team id or null. PRIORITY, TYPE: the strings.
      TAGS: before/after = sorted lists of tag names.
    - SLA: due times recomputed after a PRIORITY change; before/after = {"first_response_due_at",
      "resolution_due_at"} as ISO strings or null. (Initial due times are set at creation.)
    - MERGED: on the merged (source) ticket, after = the survivor's id. The source is closed first
      (a STATUS event if it was not), keeps its events and points to the survivor (merged_into);
      its messages are re-pointed to the survivor (their MESSAGE events stay on the source),
      any older than the survivor being stored at the survivor's creation time; its rating is
      deleted. Recompute both tickets when you see it.
    - RATED: after = score (1-5), occurred_at = the rating's created_at. A new rating replaces the
      old one in place (SatisfactionRating.created_at = the new time).
    - SPAM: after = true; the ticket (is_spam) counts nowhere.

    No-op changes record nothing; changing a merged or spam ticket is refused.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS = "status", "Status changed"
        PRIORITY = "priority", "Priority changed"
        ASSIGNEE = "assignee", "Assignee changed"
        TEAM = "team", "Team changed"
        TYPE = "type", "Type changed"
        TAGS = "tags", "Tags changed"
        MESSAGE = "message", "Message added"
        MERGED = "merged", "Merged"
        RATED = "rated", "Rated"
        SPAM = "spam", "Marked as spam"
        SLA = "sla", "SLA due times changed"

    # Indexed by tickets_event_ticket_idx (ticket, id) in Meta.indexes.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["ticket", "id"], name="tickets_event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}: {self.before} → {self.after}"


class SLAPolicy(models.Model):
    """First-response and resolution targets for one priority."""

    priority = models.CharField(max_length=10, choices=Ticket.Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.first_response_minutes} / {self.resolution_minutes} min"


class CannedReply(models.Model):
    """A macro: a reply text with placeholders such as {{ customer.first_name }}, and optional changes."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="canned_replies"
    )
    set_status = models.CharField(max_length=10, choices=Ticket.Status.choices, blank=True)
    set_priority = models.CharField(max_length=10, choices=Ticket.Priority.choices, blank=True)
    add_tags = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return self.title


class SatisfactionRating(models.Model):
    """At most one per ticket; a new rating replaces the old one and takes its day."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="tickets_rating_score_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 for {self.ticket_id}"

    @property
    def ticket_reference(self) -> str:
        return reference_for(self.ticket_id)


class SavedView(models.Model):
    """An agent's own queue view: a name and the filter query string."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, help_text="The queue's filter query string.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="tickets_savedview_uniq")]

    def __str__(self) -> str:
        return self.name


class ConversationLink(models.Model):
    """A chat or social conversation threaded into one ticket (see tickets/chat/).

    A closed ticket is final, so a new message in its conversation re-points the link at a new ticket.
    """

    class Channel(models.TextChoices):
        CHAT = "chat", "Web chat"
        WHATSAPP = "whatsapp", "WhatsApp"
        FACEBOOK = "facebook", "Facebook"
        TWITTER = "twitter", "Twitter"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    conversation_id = models.CharField(max_length=255)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="conversation_links")
    sender_id = models.CharField(max_length=255, help_text="The sender's id on the channel.")
    sender_name = models.CharField(max_length=200, blank=True)
    # What an anonymous web-chat visitor typed as their address: a claim, not an identity. When it
    # is a known customer's, the chat is kept apart from that customer until an agent checks it.
    claimed_email = models.EmailField(max_length=254, blank=True)
    email_verified = models.BooleanField(
        default=True, help_text="False when the sender's address is only what they typed."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "conversation_id"], name="tickets_conversation_uniq")
        ]
        indexes = [models.Index(fields=["ticket"], name="tickets_conversation_tkt_idx")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.conversation_id} → {self.ticket_id}"


class PortalMagicLink(models.Model):
    """A one-time, expiring sign-in link for the portal, emailed to a known customer address.

    Only the SHA-256 of the token is stored; the token itself exists only in the email.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_magic_links")
    email = models.EmailField(max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Portal link for {self.email}"


class RawEmail(models.Model):
    """One inbound email exactly as received, stored before it is parsed, so nothing is ever lost.

    `dedupe_key` is the Message-ID (or a hash of the bytes when there is none): the same message
    delivered twice is stored once. A message that cannot be parsed or breaks a limit stays
    `quarantined` until an admin retries it (tickets.channels.email.ingest.raw_email_retry).
    """

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        CREATED = "created", "Opened a ticket"
        THREADED = "threaded", "Added to a ticket"
        IGNORED = "ignored", "Recorded, not answered"
        QUARANTINED = "quarantined", "Quarantined"

    class Source(models.TextChoices):
        FILE = "file", "File"
        IMAP = "imap", "IMAP"
        HTTP = "http", "HTTP endpoint"

    dedupe_key = models.CharField(max_length=255, unique=True)
    header_message_id = models.CharField(max_length=998, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(blank=True, help_text="Why it was ignored or quarantined.")
    is_automatic = models.BooleanField(default=False)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="raw_email"
    )
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "-received_at"], name="tickets_rawemail_state_idx"),
            models.Index(fields=["sender", "received_at"], name="tickets_rawemail_sender_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.header_message_id or self.dedupe_key} ({self.state})"


class FollowUp(models.Model):
    """A thank-you with a rating link, due a while after a ticket is solved (EMAIL_FOLLOWUP_DELAY_HOURS).

    Written when the ticket is solved; sent by a periodic task; skipped if the ticket was reopened.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followups")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(state="pending"), name="tickets_followup_pending_uniq"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(state="pending"), name="tickets_followup_due_idx"
            )
        ]

    def __str__(self) -> str:
        return f"Follow-up of {self.ticket_id} ({self.state})"
