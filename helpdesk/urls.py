from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as account_views
from tickets.channels.email import rating_views
from tickets.channels.email import views as inbound_email_views

from . import health


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin); resolved per request
    because the hashed static name exists only after collectstatic."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("img/favicon.svg")


urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("favicon.ico", FaviconView.as_view()),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("tickets/", include("tickets.urls")),
    path("portal/", include("tickets.portal_urls")),
    path("customers/", include("lifecycle.urls")),
    path("dashboard/", include("kpis.urls")),
    path("api/", include("helpdesk.api_urls")),
    path("settings/api-tokens/", include("api.urls")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("admin/", admin.site.urls),
    path("help/", include("kb.public_urls")),
    path("kb/", include("kb.urls")),
    path("inbound/messages/", include("tickets.chat.urls")),
    path("inbound/email/", inbound_email_views.inbound_email, name="inbound-email"),
    path("rate/<str:token>/", rating_views.rating, name="rating"),
]
