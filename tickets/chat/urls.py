from django.urls import path

from . import api

app_name = "inbound_messages"
urlpatterns = [
    path("", api.InboundMessageView.as_view(), name="create"),
    path("conversations/", api.ConversationForTicketView.as_view(), name="conversation_list"),
    path(
        "conversations/<str:channel>/<path:conversation_id>/",
        api.ConversationDetailView.as_view(),
        name="conversation_detail",
    ),
]
