"""/healthz answers without a database; /readyz needs the database reachable and at head."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import Databases


def test_healthz_is_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_head_revision(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["revision"]


def test_readyz_is_503_on_an_unmigrated_database(
    databases: Databases, client_for: Callable[[str], TestClient]
) -> None:
    response = client_for(databases.new()).get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "desertion-api migrate" in response.json()["detail"]
