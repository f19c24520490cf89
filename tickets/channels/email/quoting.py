"""Fold the quoted history and the signature out of a reply, so the new part is what agents read.

The full original stays on the RawEmail row (downloadable by agents); only the shown text is folded.
"""

import re

# Lines that start the quoted history in the common clients (Gmail, Apple Mail, Outlook, Thunderbird).
_HISTORY_START = (
    re.compile(r"^On .{1,300}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^Le .{1,300}a écrit\s?:\s*$", re.IGNORECASE),
    re.compile(r"^Am .{1,300}schrieb .{1,200}:\s*$", re.IGNORECASE),
    re.compile(r"^El .{1,300}escribió:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^From: .+$"),
)
_FORWARD_START = re.compile(r"^-{2,}\s*Forwarded message\s*-{2,}\s*$", re.IGNORECASE)
_SIGNATURE_START = (
    re.compile(r"^-- $"),
    re.compile(r"^--$"),
    re.compile(r"^Sent from my \w+", re.IGNORECASE),
    re.compile(r"^Get Outlook for \w+", re.IGNORECASE),
)


def new_part(text: str) -> str:
    """The text the sender wrote for this message, without quoted history or signature.

    A forwarded message is kept whole: what was forwarded is the point of the mail. If folding
    would leave nothing (a reply that is only a quote), the whole text is returned.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.rstrip()
        if _FORWARD_START.match(stripped.strip()):
            kept.extend(lines[index:])
            break
        if any(p.match(stripped) for p in _SIGNATURE_START) or _starts_history(lines, index):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    folded = "\n".join(kept).strip()
    return folded or text.strip()


def _starts_history(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if not any(p.match(line) for p in _HISTORY_START):
        return False
    if line.startswith("From: "):
        # Outlook puts "From:" at the top of the history: only when a Sent/Date line follows.
        following = " ".join(lines[index + 1 : index + 3])
        return "Sent:" in following or "Date:" in following
    return True
