from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

from . import health

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("tickets/", include("tickets.urls")),
    path("portal/", include("tickets.portal_urls")),
    path("customers/", include("lifecycle.urls")),
    path("dashboard/", include("kpis.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/kpis/", include("kpis.api.urls")),
]
