from django.urls import path

from .channels.email import views as email_views
from .views import attachments, bulk, new, queue, saved_views, ticket

app_name = "tickets"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("bulk/", bulk.bulk_update, name="bulk"),
    path("new/", new.ticket_new, name="new"),
    path("views/", saved_views.create, name="saved_view_create"),
    path("views/<int:pk>/delete/", saved_views.delete, name="saved_view_delete"),
    path("attachments/<str:token>/", attachments.download, name="attachment"),
    path("messages/<int:pk>/raw/", email_views.message_raw, name="message-raw"),
    path("<str:reference>/", ticket.detail, name="detail"),
    path("<str:reference>/messages/", ticket.compose, name="compose"),
    path("<str:reference>/update/", ticket.update, name="update"),
    path("<str:reference>/assign-to-me/", ticket.assign_to_me, name="assign_to_me"),
    path("<str:reference>/solve/", ticket.solve, name="solve"),
    path("<str:reference>/merge/", new.ticket_merge, name="merge"),
    path("<str:reference>/canned/", ticket.canned_preview, name="canned_preview"),
    path("<str:reference>/canned/<int:canned_id>/apply/", ticket.canned_apply, name="canned_apply"),
    path("<str:reference>/presence/", ticket.presence, name="presence"),
]
