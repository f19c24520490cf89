from pathlib import Path

import pytest

from tests.integration.conftest import celery_worker_process, redis_url  # noqa: F401 - for the integration test
from tickets.channels.email.ingest import email_receive
from tickets.models import RawEmail

CORPUS = Path(__file__).parent / "corpus"


def corpus_bytes(name: str, **values) -> bytes:
    raw = (CORPUS / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(f"{{{key}}}".encode(), str(value).encode())
    return raw


@pytest.fixture
def ingest(db, settings, tmp_path):
    """Ingest a corpus file (placeholders like {ticket} filled in) from the file source."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TICKET_REFERENCE_PREFIX = "HD"

    def run(name: str, **values) -> RawEmail:
        return email_receive(raw=corpus_bytes(name, **values), source=RawEmail.Source.FILE)

    return run
