"""No N+1: a page of records costs a fixed number of SQL statements whatever its size: the page,
all sources of its records, all their relations, and the citation graph."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event


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
def test_a_page_costs_four_queries(
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
    assert len(selects) == 4, selects
