"""Signatures on every delivery: `Helpdesk-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`.

The HMAC key is the endpoint's secret and the signed text is `<t>.<raw body>`. Receivers
recompute it, compare in constant time and refuse old timestamps (replays).
"""

import hashlib
import hmac
import time

HEADER = "Helpdesk-Signature"
TOLERANCE_SECONDS = 300


def sign(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    *, secret: str, header: str, body: bytes, now: int | None = None, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
