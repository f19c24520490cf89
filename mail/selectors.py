from django.db.models import Q, QuerySet

from .models import OutboundEmail


def emails_written_to(*, addresses: list[str]) -> QuerySet[OutboundEmail]:
    """The emails with any of `addresses` among their recipients."""
    if not addresses:
        return OutboundEmail.objects.none()
    # `to` is a JSON list: match the quoted address, so a@x.com does not match ba@x.com.
    written_to = Q()
    for address in addresses:
        written_to |= Q(to__icontains=f'"{address}"')
    return OutboundEmail.objects.filter(written_to)
