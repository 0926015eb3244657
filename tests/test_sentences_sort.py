"""``/v1/sentences?sort=shortest_first``: asked about one month, the monthly figures come first,
then figures within one year, then multi-year ones, each by period; its keyset cursors tile the
list exactly and belong to their own order. Built on a small synthetic seed."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.loader import load_seed
from tests.factories import make_article, make_sentence, write_seed
from tests.helpers import assert_problem, walk


def _figure(record_id: str, start: str, end: str) -> dict[str, object]:
    return make_sentence(
        record_id,
        end,
        684,
        period={"start": start, "end": end},
        rate_basis="total" if start == end else "per_month",
        evidence=[{"quote": "684"}],
    )


# (id, start, end): granularity multi_year, year, month, in an order neither sort follows.
FIGURES = [
    ("total-2022-2024", "2022-09", "2024-03"),
    ("average-2024", "2024-01", "2024-03"),
    ("march-2024-b", "2024-03", "2024-03"),
    ("total-2023-2024", "2023-01", "2024-03"),
    ("march-2024-a", "2024-03", "2024-03"),
    ("q1-2024", "2024-02", "2024-03"),
    ("february-2024", "2024-02", "2024-02"),
]


@pytest.fixture
def sorted_client(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> TestClient:
    files = [
        {
            "article": make_article("periods", published="2024-04-12"),
            "sentences": [_figure(*figure) for figure in FIGURES],
        }
    ]
    session = session_for(empty_db)
    load_seed(session, write_seed(tmp_path / "seed", files))
    session.commit()
    return client_for(empty_db)


SHORTEST_FIRST = [
    "february-2024",  # months, by period then id
    "march-2024-a",
    "march-2024-b",
    "average-2024",  # within one year
    "q1-2024",
    "total-2022-2024",  # across years
    "total-2023-2024",
]


def test_shortest_first_puts_monthly_figures_first_and_pages_tile_it(
    sorted_client: TestClient,
) -> None:
    ids = [item["id"] for item in walk(sorted_client, "/v1/sentences?sort=shortest_first&limit=2")]
    assert ids == SHORTEST_FIRST
    one_page = sorted_client.get("/v1/sentences?sort=shortest_first&limit=500").json()["data"]
    assert [item["id"] for item in one_page] == SHORTEST_FIRST


def test_one_month_asked_gives_the_monthly_counts_first(sorted_client: TestClient) -> None:
    url = "/v1/sentences?from=2024-03&to=2024-03&sort=shortest_first"
    ids = [item["id"] for item in walk(sorted_client, f"{url}&limit=1")]
    assert ids[:2] == ["march-2024-a", "march-2024-b"]
    assert set(ids) == set(SHORTEST_FIRST) - {"february-2024"}


def test_the_default_order_is_by_period(sorted_client: TestClient) -> None:
    by_period = sorted(FIGURES, key=lambda figure: (figure[1], figure[0]))
    expected = [figure[0] for figure in by_period]
    assert [item["id"] for item in walk(sorted_client, "/v1/sentences?limit=3")] == expected
    explicit = walk(sorted_client, "/v1/sentences?sort=period&limit=3")
    assert [item["id"] for item in explicit] == expected


def test_exports_follow_the_sort(sorted_client: TestClient) -> None:
    text = sorted_client.get("/v1/sentences.csv?sort=shortest_first").text
    assert [row["id"] for row in csv.DictReader(io.StringIO(text))] == SHORTEST_FIRST


def test_a_cursor_of_one_order_is_refused_by_the_other(sorted_client: TestClient) -> None:
    page = sorted_client.get("/v1/sentences?sort=shortest_first&limit=2").json()
    cursor = page["next"].split("cursor=")[1]
    assert cursor == "0~2024-03~march-2024-a"  # rank, period start, id of the last row
    problem = assert_problem(sorted_client.get(f"/v1/sentences?cursor={cursor}"), 422)
    assert problem["errors"][0]["parameter"] == "cursor"
    by_period = sorted_client.get("/v1/sentences?limit=2").json()["next"].split("cursor=")[1]
    problem = assert_problem(
        sorted_client.get(f"/v1/sentences?sort=shortest_first&cursor={by_period}"), 422
    )
    assert problem["errors"][0]["parameter"] == "cursor"
    assert_problem(sorted_client.get("/v1/sentences?sort=longest_first"), 422)


def test_the_sort_is_in_the_openapi(sorted_client: TestClient) -> None:
    parameters = sorted_client.get("/openapi.json").json()["paths"]["/v1/sentences"]["get"][
        "parameters"
    ]
    sort = next(p for p in parameters if p["name"] == "sort")
    assert sort["schema"]["enum"] == ["period", "shortest_first"]
    assert sort["schema"]["default"] == "period"
    assert "monthly figures first" in sort["description"]
