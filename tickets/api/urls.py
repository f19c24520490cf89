from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="api-ticket")
router.register("ratings", views.RatingViewSet, basename="api-rating")
router.register("canned-replies", views.CannedReplyViewSet, basename="api-canned-reply")
router.register("teams", views.TeamViewSet, basename="api-team")
router.register("agents", views.AgentViewSet, basename="api-agent")
urlpatterns = router.urls
