"""Keyset pagination: pages tile the list exactly, `next` and `Link` agree, and a page does not
shift when records are inserted before the cursor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.models import Evidence, SentenceStat
from tests.helpers import assert_problem, walk


@pytest.mark.parametrize(
    "path", ["/v1/sentences", "/v1/risks", "/v1/claims", "/v1/articles", "/v1/regions"]
)
def test_pages_tile_the_full_list(client: TestClient, path: str) -> None:
    everything = client.get(f"{path}?limit=500").json()["data"]
    assert walk(client, f"{path}?limit=2") == everything


def test_next_link_header_and_body_agree(client: TestClient) -> None:
    response = client.get("/v1/regions?limit=10")
    nxt = response.json()["next"]
    public_url = client.app.state.settings.public_url  # type: ignore[attr-defined]
    assert nxt.startswith(f"{public_url}/v1/regions?")
    assert response.headers["link"] == f'<{nxt}>; rel="next"'
    last = client.get("/v1/regions?limit=500")
    assert last.json()["next"] is None
    assert "link" not in last.headers


def test_default_and_maximum_limits(client: TestClient) -> None:
    assert len(client.get("/v1/regions").json()["data"]) == 50
    assert len(client.get("/v1/regions?limit=1000000").json()["data"]) == 83  # the 500 cap
    assert_problem(client.get("/v1/regions?limit=0"), 422)


def test_the_configured_maximum_page_size_applies(seeded_db: str) -> None:
    settings = Settings(database_url=seeded_db, default_page_size=2, max_page_size=3)
    with TestClient(create_app(settings)) as small:
        assert len(small.get("/v1/regions").json()["data"]) == 2
        page = small.get("/v1/regions?limit=500").json()
        assert len(page["data"]) == 3
        assert page["next"] is not None


@pytest.mark.parametrize("cursor", ["garbage", "WyJhIiwiYiJd", "bnVsbA", "!!!"])
def test_malformed_cursor_is_422(client: TestClient, cursor: str) -> None:
    body = assert_problem(client.get(f"/v1/sentences?cursor={cursor}"), 422)
    assert body["errors"][0]["parameter"] == "cursor"


def test_page_is_stable_when_a_record_is_inserted_before_the_cursor(
    seeded_db: str,
    client_for: Callable[[str], TestClient],
    session_for: Callable[[str], Session],
) -> None:
    client = client_for(seeded_db)
    first = client.get("/v1/sentences?limit=1").json()
    second_before = client.get(first["next"]).json()["data"]
    session = session_for(seeded_db)
    session.add(
        SentenceStat(
            id="aaa-inserted-before",
            statement="x",
            value=1,
            value_qualifier="exact",
            period_start=date(1990, 1, 1),
            period_end=date(1990, 1, 1),
            measure="sentences",
            rate_basis="total",
            content_hash="x",
        )
    )
    session.flush()
    session.add(
        Evidence(
            record_id="aaa-inserted-before",
            article_id="dagens-2024-10-02-russian-soldiers-flee-to-the-forest",
            quote="x",
        )
    )
    session.commit()
    assert client.get(first["next"]).json()["data"] == second_before
    assert client.get("/v1/sentences?limit=1").json()["data"][0]["id"] == "aaa-inserted-before"
