from django.urls import path

from .views import KpiMetricView

app_name = "kpis_api"
urlpatterns = [
    path("<str:metric_name>/", KpiMetricView.as_view(), name="metric"),
]
