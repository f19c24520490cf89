import pytest

from lifecycle.models import LifecycleSettings
from lifecycle.services import thresholds_current


def test_lifecycle_settings_defaults(db):
    assert thresholds_current().retention_window_days == 90
    row = LifecycleSettings.load()
    assert (row.purchases_for_loyalty, row.nps_promoter_score, row.churn_inactivity_days) == (5, 9, 180)


def test_lifecycle_settings_page_saves_thresholds(client, admin_user):
    client.force_login(admin_user)
    data = {
        "retention_window_days": 60,
        "purchases_for_loyalty": 3,
        "nps_promoter_score": 10,
        "churn_inactivity_days": 120,
        "survey_valid_days": 14,
    }
    response = client.post("/customers/settings/", data)
    assert response.status_code == 302
    assert thresholds_current().purchases_for_loyalty == 3
    assert LifecycleSettings.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("nps_promoter_score", 11), ("churn_inactivity_days", 0), ("purchases_for_loyalty", "x")],
)
def test_lifecycle_settings_page_refuses_bad_values(client, admin_user, field, value):
    client.force_login(admin_user)
    data = {
        "retention_window_days": 60,
        "purchases_for_loyalty": 3,
        "nps_promoter_score": 9,
        "churn_inactivity_days": 120,
        "survey_valid_days": 14,
        field: value,
    }
    response = client.post("/customers/settings/", data)
    assert response.status_code == 400
    assert thresholds_current().retention_window_days == 90


def test_lifecycle_settings_in_the_django_admin(client, admin_user):
    client.force_login(admin_user)
    row = LifecycleSettings.load()
    response = client.get(f"/admin/lifecycle/lifecyclesettings/{row.pk}/change/")
    assert response.status_code == 200
    for model in ["customer", "touchpointevent", "stagechange", "exitsurvey", "organization"]:
        assert client.get(f"/admin/lifecycle/{model}/").status_code == 200
