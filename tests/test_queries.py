"""No N+1: a page of records costs a fixed number of SQL statements whatever its size: the page,
all sources of its records, all their relations, the articles these name, and the citation
graph (read only when a record has two articles or more)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from app import queries
from app.config import Settings
from app.main import create_app
from app.provenance import relations_for
from app.routes import listing
from tests.conftest import Databases


@pytest.fixture(scope="module")
def client(databases: Databases, seeded_template: str) -> Iterator[TestClient]:
    """The routes' own statements: the response cache off (a cached read runs none)."""
    url = databases.new(template=seeded_template)
    with TestClient(create_app(Settings(database_url=url, response_cache_bytes=0))) as client:
        yield client


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", ["/v1/sentences", "/v1/risks", "/v1/claims"])
@pytest.mark.parametrize("limit", [1, 500])
def test_a_page_costs_at_most_five_queries(
    client: TestClient, statements: list[str], path: str, limit: int
) -> None:
    response = client.get(f"{path}?limit={limit}")
    assert response.status_code == 200
    selects = [
        s
        for s in statements
        if s.lstrip().upper().startswith("SELECT")
        and "max(revisions.created_at)" not in s  # Last-Modified, read at most once a second
    ]
    assert len(selects) <= 5, selects
    assert len(set(selects)) == len(selects), selects  # none repeated per record or batch


def _selects(statements: list[str]) -> list[str]:
    return [
        s
        for s in statements
        if s.lstrip().upper().startswith("SELECT") and "max(revisions.created_at)" not in s
    ]


@pytest.mark.parametrize("code", ["RU-BU", "RU-MOW", "RU-ALT"])  # many records, some, none
def test_a_region_costs_the_same_statements_whatever_it_holds(
    client: TestClient, statements: list[str], code: str
) -> None:
    """The region, its records of each family, their sources, their relations, the articles
    these name and the citation graph (once, when a record has two articles or more): at most
    eight statements however many records the region has (four when it has none: no sources,
    relations, articles or graph to fetch)."""
    response = client.get(f"/v1/regions/{code}")
    assert response.status_code == 200
    held = sum(len(items) for items in response.json()["records"].values())
    selects = _selects(statements)
    assert len(set(selects)) == len(selects), selects
    assert len(selects) in ((7, 8) if held else (4,)), selects


def test_an_export_loads_the_citation_graph_once(
    client: TestClient, statements: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "BATCH", 10)  # many batches, one request
    response = client.get("/v1/claims.csv")
    assert response.status_code == 200
    graph_reads = [s for s in statements if "article_citations" in s and "cited_article_id" in s]
    assert len(graph_reads) == 1, graph_reads


def test_ids_go_to_the_database_in_bounded_batches(
    seeded_db: str, session_for: Callable[[str], Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sources and relations of many records: a statement per ``ID_BATCH`` ids, never one IN
    list of them all (past the engines' parameter limits it fails), the same rows either way."""
    session = session_for(seeded_db)
    ids = list(session.scalars(select(queries.records.c.id).order_by(queries.records.c.id)))
    whole = (queries.sources_for(session, ids), relations_for(session, ids))
    monkeypatch.setattr(queries, "ID_BATCH", 7)
    sizes: list[int] = []

    def record(_conn: Any, _cursor: Any, _statement: str, parameters: Any, *_: Any) -> None:
        sizes.append(len(parameters))

    event.listen(session.get_bind(), "before_cursor_execute", record)
    batched = (queries.sources_for(session, ids), relations_for(session, ids))
    assert batched == whole
    assert len(sizes) >= 2 * (len(ids) // 7)
    # A batch's ids (the relations' statement names them twice, one per direction, beside a
    # few constants of its own), never all of them.
    assert max(sizes) <= 3 * 7 < len(ids)
