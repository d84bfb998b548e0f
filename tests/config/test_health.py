from django.urls import reverse


def test_healthz_reports_database_and_redis(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "last_sweep_seconds_ago": None,
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_says_which_dependency_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["redis"] == "unreachable"
    assert response.json()["database"] == "ok"


def test_api_schema_and_docs_are_served_locally(client, cast, client_of):
    client = client_of(cast.social_worker)
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200
    assert b"/api/cases/" in schema.content
    docs = client.get(reverse("api-docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "cdn" not in docs.lower()
