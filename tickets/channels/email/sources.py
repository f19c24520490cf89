"""Raw messages from files: single .eml files, mbox files and Maildir folders (stdlib `mailbox`)."""

import mailbox
import re
from collections.abc import Iterator
from pathlib import Path


class UnknownSource(ValueError):
    """A path that is neither an .eml file, an mbox file nor a Maildir/.eml folder."""


def is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def raw_messages(path: Path) -> Iterator[bytes]:
    """Every raw message under `path`, in a stable order."""
    if is_maildir(path):
        yield from _maildir(path)
    elif path.is_dir():
        for child in sorted(path.glob("*.eml")):
            yield child.read_bytes()
    elif path.is_file():
        yield from _file(path)
    else:
        raise UnknownSource(f"{path} does not exist.")


def _maildir(path: Path) -> Iterator[bytes]:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys(), key=delivery_order):
        yield box.get_bytes(key)


_DELIVERED = re.compile(r"^(\d+)(?:\.M(\d+))?")


def delivery_order(key: str) -> tuple:
    """A Maildir name's delivery time ("1700000000.M123P45.host": seconds, then microseconds, which
    are not zero-padded, so names do not sort by time as text), then the name."""
    match = _DELIVERED.match(key)
    if match is None:
        return (float("inf"), 0, key)
    return (int(match[1]), int(match[2] or 0), key)


def _file(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        is_mbox = handle.read(5) == b"From "
    if not is_mbox:
        yield path.read_bytes()
        return
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()
