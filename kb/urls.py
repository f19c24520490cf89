from django.urls import path

from . import views

app_name = "kb"
urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("articles/new/", views.article_create, name="article_create"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("articles/<int:pk>/history/", views.article_history, name="article_history"),
    path("preview/", views.preview, name="preview"),
    path("search/", views.search, name="search"),
    path("insights/", views.insights, name="insights"),
]
