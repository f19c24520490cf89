"""The REST API: /api/v1/ (each app's api/urls.py), the OpenAPI schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views import MeView

urlpatterns = [
    path("v1/me/", MeView.as_view(), name="api-me"),
    path("v1/kpis/", include("kpis.api.urls")),
    path("v1/", include("tickets.api.urls")),
    path("v1/", include("lifecycle.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
