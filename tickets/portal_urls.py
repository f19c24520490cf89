from django.urls import path

from .chat import widget
from .portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("requests/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("requests/<int:pk>/answer/", views.ticket_answer, name="ticket_answer"),
    path("requests/<int:pk>/rate/", views.ticket_rate, name="ticket_rate"),
    path("files/<str:token>/", views.attachment_download, name="attachment_download"),
    path("sign-in/", views.magic_link_request, name="magic_link_request"),
    path("sign-in/<str:token>/", views.magic_link_signin, name="magic_link_signin"),
    path("chat/messages/", widget.chat_messages, name="chat_messages"),
    path("chat-demo/", widget.chat_demo, name="chat_demo"),
]
