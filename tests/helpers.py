"""Shared assertions and the expected data, read from the seed files themselves (never typed in)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi.testclient import TestClient

from app.loader import SeedSet, read_seed
from tests.conftest import SEED_DIR

PROBLEM_KEYS = {"type", "title", "status", "detail"}


@lru_cache
def seed() -> SeedSet:
    return read_seed(SEED_DIR)


def expected_ids(kind: str, include_deprecated: bool = False) -> set[str]:
    return {
        record_id
        for record_id, planned in seed().records.items()
        if planned.kind == kind and (include_deprecated or planned.model.rank.value != "deprecated")
    }


def walk(client: TestClient, url: str) -> list[dict[str, Any]]:
    """Every item of a list endpoint, following `next` links."""
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["data"]
        next_url = body["next"]
    return items


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body
