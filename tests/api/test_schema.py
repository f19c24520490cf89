import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served_and_documents_token_auth(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    assert "/api/v1/me/" in schema["paths"]


def test_docs_page_loads_assets_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html and "<script>" not in html
    assert "cdn" not in html.lower()
