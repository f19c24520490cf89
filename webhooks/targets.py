"""Refuse webhook targets inside our own network (SSRF), unless a setting allows them."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def target_check(url: str) -> None:
    """Raise ValidationError unless `url` is http(s) to a public address (re-checked at every delivery)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Use an http:// or https:// address with a host name.")
    if parts.username or parts.password:
        raise ValidationError("Put credentials in the receiver's check of our signature, not in the URL.")
    if getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False):
        return
    try:
        infos = socket.getaddrinfo(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(f"The host {parts.hostname!r} cannot be resolved.") from exc
    internal = sorted({info[4][0] for info in infos if _is_internal(info[4][0])})
    if internal:
        raise ValidationError(
            f"{parts.hostname} resolves to a private, loopback or link-local address "
            f"({', '.join(internal)}); such targets are refused."
        )
