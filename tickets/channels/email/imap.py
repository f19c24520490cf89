"""Poll an IMAP mailbox (IMAP_URL) and feed every unseen message to the ingestion service.

Up to BATCH unseen messages a poll, fetched and ingested CHUNK at a time as one batch (stored
before anything is parsed) and only then marked \\Seen, so a crash in between fetches them again and
de-duplication (by Message-ID) makes that harmless.
"""

import imaplib
import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings

from ...models import RawEmail
from .batch import emails_receive

logger = logging.getLogger(__name__)
BATCH = 200
CHUNK = 50  # messages held in memory at once (each may be up to INBOUND_EMAIL_MAX_BYTES)


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    folder: str
    ssl: bool


def imap_config(url: str) -> ImapConfig | None:
    """imap[s]://user:password@host[:port][/folder]; None when unset or unusable."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        logger.error("IMAP_URL must look like imaps://user:password@host:993/INBOX")
        return None
    ssl = parts.scheme == "imaps"
    return ImapConfig(
        host=parts.hostname,
        port=parts.port or (993 if ssl else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        ssl=ssl,
    )


def imap_poll_mailbox(url: str | None = None) -> int:
    """Ingest the unseen messages of the configured mailbox; returns how many. Never raises."""
    config = imap_config(settings.IMAP_URL if url is None else url)
    if config is None:
        return 0
    try:
        return _poll(config)
    except (OSError, imaplib.IMAP4.error) as exc:
        logger.warning("IMAP poll of %s failed: %s", config.host, exc)
        return 0


def _poll(config: ImapConfig) -> int:
    client_class = imaplib.IMAP4_SSL if config.ssl else imaplib.IMAP4
    with client_class(config.host, config.port, timeout=30) as client:
        client.login(config.user, config.password)
        client.select(config.folder)
        _, data = client.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[:BATCH]
        for start in range(0, len(uids), CHUNK):
            _ingest_chunk(client, uids[start : start + CHUNK])
        return len(uids)


def _ingest_chunk(client, uids: list[bytes]) -> None:
    """Fetch, ingest as one batch (stored before anything is parsed), then mark seen."""
    raws = []
    for uid in uids:
        _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
        if raw is not None:
            raws.append(raw)
    emails_receive(raws=raws, source=RawEmail.Source.IMAP)
    for uid in uids:
        client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
