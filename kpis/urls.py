from django.urls import path

from . import views

app_name = "kpis"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("drill/<str:name>/", views.drill, name="drill"),
    path("export/<str:table>.csv", views.export, name="export"),
]
