from django.urls import path

from . import views

app_name = "lifecycle"
urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:customer_id>/stage/", views.customer_stage_correct, name="stage_correct"),
    path("<int:customer_id>/merge/", views.customer_merge, name="customer_merge"),
    path("<int:customer_id>/export/", views.customer_export, name="customer_export"),
    path("<int:customer_id>/erase/", views.customer_erase, name="customer_erase"),
    path("funnel/", views.funnel, name="funnel"),
    path("settings/", views.lifecycle_settings, name="settings"),
    path("surveys/", views.exit_survey_report, name="exit_survey_report"),
    path("survey/<str:token>/", views.exit_survey, name="exit_survey"),
]
