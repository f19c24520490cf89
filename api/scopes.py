"""API token scopes: `<resource>:read` or `<resource>:write` (write implies read), or `all`."""

RESOURCES = {
    "tickets": "Tickets, their messages and attachments",
    "customers": "Customers, organizations, stage history and lifecycle events",
    "kpis": "KPI figures",
    "teams": "Teams and agents",
    "canned_replies": "Canned replies",
    "ratings": "Satisfaction ratings",
    "webhooks": "Webhook endpoints and deliveries",
    # Stricter than customers:*: an export holds every message, and erasure cannot be undone.
    "privacy": "Data-rights requests (read: export a customer; write: erase one)",
}
ALL = "all"
# A view open to every valid token whatever its scopes (e.g. "who am I").
ANY_RESOURCE = "*"
SCOPES = frozenset({ALL} | {f"{r}:{a}" for r in RESOURCES for a in ("read", "write")})


def parse_scopes(values) -> list[str]:
    """Validate and normalise scope names; raises ValueError naming the unknown ones."""
    scopes = sorted({v.strip() for value in values for v in str(value).split(",") if v.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(sorted(SCOPES))}.")
    if not scopes:
        raise ValueError("At least one scope is needed.")
    return scopes


def allows(scopes: list[str], resource: str, action: str) -> bool:
    if ALL in scopes:
        return True
    if action == "read":
        return f"{resource}:read" in scopes or f"{resource}:write" in scopes
    return f"{resource}:write" in scopes
