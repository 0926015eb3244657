"""Every absolute link the API emits starts with DESERTION_PUBLIC_URL, whatever Host a client
sends, so a shared cache can never store links to a host a client made up."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.config import Settings
from app.main import create_app
from tests.conftest import Databases

PUBLIC = "https://api.example.org/desertion"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture(scope="module")
def public(databases: Databases, seeded_template: str) -> Iterator[TestClient]:
    url = databases.new(template=seeded_template)
    settings = Settings(database_url=url, public_url=PUBLIC + "/")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def links(response: httpx.Response) -> list[str]:
    """The absolute URLs of a response: the ``next`` of the body and the ``Link`` header."""
    body = response.json()
    header = response.headers.get("link", "")
    found = [body["next"]] if body.get("next") else []
    return found + [part.split(">")[0].lstrip("<") for part in header.split(",") if part]


@pytest.mark.parametrize(
    "path", ["/v1/sentences?limit=1", "/v1/regions?limit=2", "/v1/changes?limit=1"]
)
def test_next_links_use_the_public_url_not_the_host_header(public: TestClient, path: str) -> None:
    response = public.get(path, headers=EVIL)
    assert response.status_code == 200, response.text
    found = links(response)
    assert len(found) == 2  # body and header
    base = path.split("?")[0]
    assert all(link.startswith(f"{PUBLIC}{base}?") for link in found), found
    assert "evil.example" not in response.text
    assert "evil.example" not in str(response.headers)


def test_next_link_keeps_the_query_and_can_be_followed(public: TestClient) -> None:
    first = public.get("/v1/regions?limit=3", headers=EVIL).json()
    assert first["next"].startswith(f"{PUBLIC}/v1/regions?limit=3&cursor=")
    second = public.get(first["next"].removeprefix(PUBLIC)).json()
    assert len(second["data"]) == 3
    assert second["data"][0]["code"] > first["data"][-1]["code"]


def test_search_result_urls_use_the_public_url(public: TestClient) -> None:
    hits = public.get("/v1/search?q=Бурятия", headers=EVIL).json()["data"]
    assert hits
    for hit in hits:
        assert hit["url"].startswith(f"{PUBLIC}/v1/"), hit["url"]
        assert hit["url"].endswith(f"/{hit['id']}")


def test_links_default_to_localhost() -> None:
    assert Settings(database_url="sqlite://").public_url == "http://localhost:8000"


@pytest.mark.parametrize(
    "value",
    [
        "localhost:8000",
        "ftp://example.org",
        "https://",
        "javascript:alert(1)",
        "https://example.org/?a=1",
        "https://example.org/#x",
        "https://user:pw@example.org",
    ],
)
def test_public_url_must_be_a_plain_http_url(value: str) -> None:
    with pytest.raises(ValidationError, match="public_url"):
        Settings(database_url="sqlite://", public_url=value)
