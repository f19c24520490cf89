from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    return {"helpdesk_name": settings.HELPDESK_NAME}
