from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="api-customer")
urlpatterns = [
    path("lifecycle/events/", views.EventView.as_view(), name="api-lifecycle-event"),
    path("lifecycle/events/bulk/", views.EventBulkView.as_view(), name="api-lifecycle-events-bulk"),
    *router.urls,
]
