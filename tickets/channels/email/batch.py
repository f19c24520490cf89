"""Ingesting many emails at once (manage.py ingest_email): what email_receive does one by one, with a
fixed number of queries per batch instead of some thirty per email.

1. The raw bytes are stored with one insert and committed before anything is parsed; a message
   stored already (same Message-ID) is skipped, so the same message twice creates nothing.
2. They are parsed; what cannot be parsed or breaks a limit will be quarantined.
3. What the batch needs is read with one query each: our own Message-IDs among the senders', the
   stored messages the emails answer or repeat, the tickets they thread to (locked), the senders'
   customers, and the automatic mail and acknowledgements of the last hour.
4. The emails are decided in order, in memory, as email_receive decides them (a reply to a message
   of the same batch threads to that ticket), and written with one insert per table (TicketBatch),
   the acknowledgements queued in the outbox with one more.

An email the batch cannot take (an agent's reply through a signed address, a message stored
before through another channel) ends the part before it, which is written; that email is then
processed alone, the way email_receive does, and the batch goes on after it. If writing a part
fails unexpectedly, its emails are processed one by one, so one bad email never loses the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.db import bulk_update_rows
from mail.models import OutboundEmail

from ...models import Message, RawEmail, Ticket
from ...sanitize import plain_text
from ...services.bulk import BatchBarrier, TicketBatch, tickets_lock_bulk
from ..intake import intake_into_batch
from .acknowledge import PendingAcknowledgement, acknowledge_in_batch, acknowledgements_queue
from .acknowledge import automatic_emails_last_hour_bulk as acknowledged_last_hour
from .autoreply import automatic_reason
from .ingest import (
    PROCESSED_FIELDS,
    EmailRejected,
    agent_verifiable,
    automatic_cap,
    automatic_on_tickets_last_hour,
    automatic_summary,
    dedupe_key,
    envelope_of,
    in_our_domain,
    inbound_of,
    parse_within_limits,
    quarantine_reason,
    raw_email_process,
)
from .parse import ParsedEmail, UnparseableEmail, envelope_summary
from .threading import ReplyToken, reply_token, subject_ticket_id

logger = logging.getLogger(__name__)
MAX_THREAD_IDS = 50  # as threading._by_message_ids


@dataclass
class _Email:
    """One stored email on its way through the batch, and what was decided for it."""

    raw: RawEmail
    parsed: ParsedEmail | None = None
    token: ReplyToken | None = None
    automatic: str = ""  # why it is automatic mail
    sender: str = ""
    subject: str = ""
    state: str = ""
    reason: str = ""
    ticket: Ticket | None = None
    message: Message | None = None


@dataclass
class _Lookups:
    """What the decisions read, fetched once for a part of the batch."""

    stored: dict[str, int]  # Message-ID -> ticket id of the stored messages the emails name
    tickets: dict[int, Ticket]  # locked
    automatic_sent: dict[str, int]
    acknowledged: dict[str, int]
    in_batch: dict[str, Ticket] = field(default_factory=dict)  # Message-IDs this batch stores


def emails_receive(*, raws: Iterable[bytes], source: str) -> list[RawEmail]:
    """email_receive for many messages; returns the stored row of each, in order."""
    raws = list(raws)
    rows, new = _store(raws, source)
    raw_emails_process_bulk(raw_emails=new)
    return rows


def _store(raws: list[bytes], source: str) -> tuple[list[RawEmail], list[RawEmail]]:
    """Every message's row (stored now, or before) and the rows stored now, committed."""
    keys = [dedupe_key(raw) for raw in raws]
    stored = _stored_rows({key for key, _ in keys})
    new: dict[str, RawEmail] = {}
    for raw, (key, message_id) in zip(raws, keys, strict=True):
        if key not in stored and key not in new:
            new[key] = RawEmail(
                dedupe_key=key, header_message_id=message_id, source=source, raw=raw, size=len(raw)
            )
    try:
        with transaction.atomic():
            RawEmail.objects.bulk_create(list(new.values()))
    except IntegrityError:  # another process stored some of them a moment ago: store one at a time
        new = {key: row for key, row in new.items() if _store_one(row, stored)}
    by_key = {**stored, **new}
    return [by_key[key] for key, _ in keys], list(new.values())


def _stored_rows(keys: set[str]) -> dict[str, RawEmail]:
    rows = RawEmail.objects.filter(dedupe_key__in=keys).only("id", "dedupe_key", "state")
    return {row.dedupe_key: row for row in rows}


def _store_one(row: RawEmail, stored: dict[str, RawEmail]) -> bool:
    try:
        with transaction.atomic():
            row.save(force_insert=True)
        return True
    except IntegrityError:
        stored.update(_stored_rows({row.dedupe_key}))
        return False


def raw_emails_process_bulk(*, raw_emails: list[RawEmail]) -> None:
    """raw_email_process for many stored emails, in order (see the module's docstring)."""
    emails = [_prepared(raw) for raw in raw_emails]
    start = 0
    while start < len(emails):
        start += _process_part(emails[start:])


def _prepared(raw: RawEmail) -> _Email:
    email = _Email(raw=raw)
    try:
        email.parsed = parse_within_limits(raw)
    except (UnparseableEmail, EmailRejected, ValidationError) as exc:
        _quarantine(email, quarantine_reason(exc))
        return email
    except Exception as exc:  # nothing crashes the worker: the message waits for an admin
        logger.exception("Inbound email %s could not be parsed", raw.pk)
        _quarantine(email, f"Unexpected error: {type(exc).__name__}: {exc}")
        return email
    email.sender, email.subject = envelope_of(email.parsed)
    email.token = reply_token(email.parsed.recipients)
    return email


def _quarantine(email: _Email, reason: str) -> None:
    if not email.sender and not email.subject:
        email.sender, email.subject = envelope_summary(bytes(email.raw.raw))
    # As ingest._quarantine: exception texts may quote NUL bytes.
    email.state, email.reason = RawEmail.State.QUARANTINED, plain_text(reason, max_length=2000)


def _process_part(emails: list[_Email]) -> int:
    """Decide and write the emails up to the first the batch cannot take, then process that one
    alone; returns how many emails were processed."""
    taken = len(emails)
    try:
        with transaction.atomic():
            taken = _decide_and_write(emails)
    except Exception:  # e.g. a concurrent writer: the single path copes, email by email
        logger.exception(
            "A batch of %d inbound emails could not be written; processing them one by one", taken
        )
        for email in emails[:taken]:
            _alone(email)
        return taken
    if taken < len(emails):
        _alone(emails[taken])
        taken += 1
    return taken


def _alone(email: _Email) -> None:
    raw = email.raw  # as stored: a part that failed may have left its decisions on the instance
    raw.sender, raw.subject, raw.state, raw.reason, raw.is_automatic = (
        "",
        "",
        RawEmail.State.RECEIVED,
        "",
        False,
    )
    raw.ticket, raw.message, raw.processed_at = None, None, None
    processed = raw_email_process(raw_email=raw)
    email.state = processed.state


def _decide_and_write(emails: list[_Email]) -> int:
    _detect_automatic(emails)
    lookups = _read(emails)
    people = [e.parsed.from_address for e in emails if e.parsed and not e.automatic]
    batch = TicketBatch(addresses=people, stored_message_ids=_repeated(emails, lookups))
    if settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS:
        lookups.acknowledged = acknowledged_last_hour({c: batch.customers[c].pk for c in batch.customers})
    acknowledgements: list[PendingAcknowledgement] = []
    taken = 0
    for email in emails:
        if not _decide(email, batch, lookups, acknowledgements):
            break
        taken += 1
    batch.commit()
    acknowledgements_queue(acknowledgements)
    _save(emails[:taken])
    return taken


def _detect_automatic(emails: list[_Email]) -> None:
    parsed = [e.parsed for e in emails if e.parsed]
    candidates = [p.message_id for p in parsed if in_our_domain(p.message_id)]
    ours = set()
    if candidates:
        ours = set(
            OutboundEmail.objects.filter(message_id__in=candidates).values_list("message_id", flat=True)
        )
    for email in emails:
        if email.parsed:
            email.automatic = automatic_reason(email.parsed, own_message_id=email.parsed.message_id in ours)


def _read(emails: list[_Email]) -> _Lookups:
    parsed = [e.parsed for e in emails if e.parsed]
    named = {i for p in parsed for i in p.thread_ids[:MAX_THREAD_IDS]} | {p.message_id[:998] for p in parsed}
    named.discard("")
    # The explicit exclude lets PostgreSQL use the partial unique index for long id lists.
    stored = dict(
        Message.objects.filter(external_message_id__in=named)
        .exclude(external_message_id="")
        .values_list("external_message_id", "ticket_id")
    )
    ids = {e.token.ticket_id for e in emails if e.token} | {subject_ticket_id(p.subject) for p in parsed}
    ids |= {stored[i] for p in parsed for i in p.thread_ids[:MAX_THREAD_IDS] if i in stored}
    ids.discard(None)
    tickets = tickets_lock_bulk(ids)
    while missing := {t.merged_into_id for t in tickets.values() if t.merged_into_id} - set(tickets):
        tickets.update(tickets_lock_bulk(missing))
    senders = {e.parsed.from_address for e in emails if e.automatic}
    automatic_sent = automatic_on_tickets_last_hour(senders) if senders else {}
    return _Lookups(stored=stored, tickets=tickets, automatic_sent=automatic_sent, acknowledged={})


def _repeated(emails: list[_Email], lookups: _Lookups) -> set[str]:
    return {
        e.parsed.message_id[:998] for e in emails if e.parsed and e.parsed.message_id[:998] in lookups.stored
    }


def _decide(
    email: _Email, batch: TicketBatch, lookups: _Lookups, acknowledgements: list[PendingAcknowledgement]
) -> bool:
    """Decide one email into the batch; False when the batch cannot take it (nothing changed)."""
    if email.state == RawEmail.State.QUARANTINED:
        return True
    parsed = email.parsed
    ticket = _thread(parsed, email.token, lookups)
    if email.automatic:
        _decide_automatic(email, ticket, batch, lookups)
        return True
    if agent_verifiable(email.token, ticket):
        return False
    try:
        result = intake_into_batch(batch=batch, inbound=inbound_of(parsed, ticket, agent=None))
    except BatchBarrier:
        return False
    except ValidationError as exc:
        _quarantine(email, quarantine_reason(exc))
        return True
    email.ticket, email.message = result.ticket, result.message
    email.state = RawEmail.State.CREATED if result.created else RawEmail.State.THREADED
    if parsed.message_id:
        lookups.in_batch[parsed.message_id[:998]] = result.ticket
    if result.created:
        ack = acknowledge_in_batch(
            batch=batch, ticket=result.ticket, first=result.message, sent_last_hour=lookups.acknowledged
        )
        if ack is not None:
            acknowledgements.append(ack)
            lookups.in_batch[ack.message.external_message_id] = result.ticket
    return True


def _decide_automatic(email: _Email, ticket: Ticket | None, batch: TicketBatch, lookups: _Lookups) -> None:
    """_record_automatic: kept, never answered; on its ticket while the sender is under the cap."""
    email.state, email.reason = RawEmail.State.IGNORED, email.automatic
    sender = email.parsed.from_address
    if ticket is None or ticket.merged_into_id or ticket.is_spam:
        return
    if lookups.automatic_sent.get(sender, 0) >= automatic_cap():
        return
    lookups.automatic_sent[sender] = lookups.automatic_sent.get(sender, 0) + 1
    email.ticket = ticket
    email.message = batch.system_message(ticket=ticket, body=automatic_summary(email.parsed, email.automatic))


def _thread(parsed: ParsedEmail, token: ReplyToken | None, lookups: _Lookups) -> Ticket | None:
    """threading.thread_ticket over the looked-up tickets and this batch's own messages."""
    ticket = lookups.tickets.get(token.ticket_id) if token is not None else None
    if ticket is None and parsed.thread_ids:
        ticket = _by_message_ids(parsed.thread_ids, lookups)
    if ticket is None:
        ticket_id = subject_ticket_id(parsed.subject)
        ticket = lookups.tickets.get(ticket_id) if ticket_id else None
    seen = set()
    while ticket is not None and ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = lookups.tickets.get(ticket.merged_into_id)
    return ticket


def _by_message_ids(ids: list[str], lookups: _Lookups) -> Ticket | None:
    for message_id in ids[:MAX_THREAD_IDS]:
        if message_id in lookups.stored:
            return lookups.tickets.get(lookups.stored[message_id])
        if message_id in lookups.in_batch:
            return lookups.in_batch[message_id]
    return None


def _save(emails: list[_Email]) -> None:
    """Store what was decided on the RawEmail rows (one statement)."""
    now = timezone.now()
    rows = []
    for email in emails:
        raw = email.raw
        raw.sender, raw.subject, raw.state, raw.reason = (
            email.sender,
            email.subject,
            email.state,
            email.reason,
        )
        raw.is_automatic = bool(email.automatic)
        raw.ticket, raw.message, raw.processed_at = email.ticket, email.message, now
        rows.append(raw)
    bulk_update_rows(rows, PROCESSED_FIELDS)
