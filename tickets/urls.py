from django.urls import path

from . import views
from .channels.email import views as email_views

app_name = "tickets"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("messages/<int:pk>/raw/", email_views.message_raw, name="message-raw"),
]
