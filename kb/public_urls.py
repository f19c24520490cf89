from django.urls import path

from . import public_views

app_name = "help"
urlpatterns = [
    path("", public_views.home, name="home"),
    path("search/", public_views.search, name="search"),
    path("suggest/", public_views.suggest, name="suggest"),
    path("categories/<str:slug>/", public_views.category, name="category"),
    path("articles/<int:pk>/", public_views.article, name="article_by_id"),
    path("articles/<int:pk>/vote/", public_views.vote, name="vote"),
    path("articles/<int:pk>-<str:slug>/", public_views.article, name="article"),
]
