from django.urls import path

from . import kb_views, views

app_name = "kpis"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("drill/<str:name>/", views.drill, name="drill"),
    path("export/<str:table>.csv", views.export, name="export"),
    path("self-service/searches/", kb_views.kb_searches, name="kb_searches"),
    path("self-service/articles/", kb_views.kb_articles, name="kb_articles"),
    path("self-service/export/<str:table>.csv", kb_views.kb_export, name="kb_export"),
]
