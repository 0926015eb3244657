"""Filters that name nothing answer 422 naming the parameter, with close matches; a month range
that runs backwards answers 422 naming both ends. A value that exists still filters."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.lookups import close_matches
from tests.helpers import assert_problem, walk


def refused(client: TestClient, url: str, parameter: str) -> str:
    """The reason a 422 gives for ``parameter`` (the only parameter it names)."""
    body = assert_problem(client.get(url), 422)
    assert [error["parameter"] for error in body["errors"]] == [parameter]
    assert body["detail"].startswith(f"{parameter}: ")
    reason: str = body["errors"][0]["reason"]
    return reason


@pytest.mark.parametrize(
    ("url", "parameter", "suggestion"),
    [
        # The spelling of the Dagens quote, the Russian name (an alias), the surname alone.
        ("/v1/claims?speaker=grigori-sverdlin", "speaker", "grigory-sverdlin"),
        ("/v1/claims?speaker=Григорий Свердлин", "speaker", "grigory-sverdlin"),
        ("/v1/claims?speaker=sverdlin", "speaker", "grigory-sverdlin"),
        ("/v1/risks?metric=death_rate", "metric", "war_death_rate"),
        (
            "/v1/claims?article=dagens-2024-10-02",
            "article",
            "dagens-2024-10-02-russian-soldiers-flee-to-the-forest",
        ),
        ("/v1/risks/multipliers?reference=RU-MOW&metric=war_deaths_rate", "metric", None),
        ("/v1/risks?region=RU-BUR", "region", "RU-BU"),
    ],
)
def test_a_filter_that_names_nothing_is_422_with_what_was_meant(
    client: TestClient, url: str, parameter: str, suggestion: str | None
) -> None:
    reason = refused(client, url, parameter)
    if suggestion is not None:
        assert reason.endswith(f"; did you mean {suggestion}?"), reason
    else:
        assert "did you mean war_death_rate" in reason, reason


@pytest.mark.parametrize(
    ("url", "parameter", "see"),
    [
        ("/v1/claims?article=nope", "article", "/v1/articles"),
        ("/v1/claims?speaker=nobody", "speaker", "/v1/people"),
    ],
)
def test_nothing_close_is_suggested_when_nothing_is_close(
    client: TestClient, url: str, parameter: str, see: str
) -> None:
    reason = refused(client, url, parameter)
    assert "did you mean" not in reason
    assert see in reason  # where the known values are listed


def test_the_multiplier_metric_is_one_of_the_vocabulary(client: TestClient) -> None:
    """The metric filters take the metric vocabulary (the schema lists it): a misspelling is
    refused with the closest metric, a real metric that no multiplier has is an empty list."""
    reason = refused(client, "/v1/risks/multipliers?reference=RU-MOW&metric=death_rate", "metric")
    assert "did you mean" in reason
    assert "war_death_rate" in reason
    items = client.get("/v1/risks/multipliers?reference=RU-MOW&metric=war_death_rate").json()
    assert {item["derived"] for item in items["data"]} == {True, False}
    none = client.get("/v1/risks/multipliers?reference=RU-MOW&metric=deserters_helped")
    assert none.status_code == 200
    assert none.json()["data"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/v1/claims?speaker=grigory-sverdlin",
        "/v1/risks?metric=war_death_rate",
        "/v1/claims?article=dagens-2024-10-02-russian-soldiers-flee-to-the-forest",
    ],
)
def test_a_known_value_still_filters(client: TestClient, url: str) -> None:
    assert walk(client, url)


@pytest.mark.parametrize(
    "url",
    [
        "/v1/sentences?from=2024-12&to=2024-01",
        "/v1/sentences/series?measure=sentences&from=2024-12&to=2024-01",
    ],
)
def test_from_after_to_is_422_naming_both(client: TestClient, url: str) -> None:
    body = assert_problem(client.get(url), 422)
    assert [error["parameter"] for error in body["errors"]] == ["from", "to"]
    assert body["detail"] == "from (2024-12) is after to (2024-01)"


def test_one_month_from_and_to_is_a_range(client: TestClient) -> None:
    items = walk(client, "/v1/sentences?from=2024-03&to=2024-03")
    assert items
    assert all(item["period_start"] <= "2024-03" <= item["period_end"] for item in items)


def test_a_known_value_costs_one_indexed_lookup(client: TestClient) -> None:
    """The check reads no vocabulary when the value exists: one statement on people, by id."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        client.get("/v1/claims?speaker=grigory-sverdlin&limit=1")
        client.get("/v1/claims?speaker=grigori-sverdlin")
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    on_people = [s for s in statements if "FROM people" in s and "claims" not in s]
    # The hit: one lookup by id with LIMIT 1; the miss: that lookup and the names it suggests from.
    assert len(on_people) == 3
    assert "people.id = " in on_people[0]
    assert "LIMIT" in on_people[0]


def test_close_matches_maps_names_to_what_they_stand_for() -> None:
    names = {"grigory-sverdlin": "grigory-sverdlin", "Grigori Sverdlin": "grigory-sverdlin"}
    assert close_matches("grigori sverdlin", names) == ["grigory-sverdlin"]
    assert close_matches("sverdlin grigory", names) == ["grigory-sverdlin"]  # token order
    assert close_matches("nope", ["war_death_rate", "population"]) == []
    assert close_matches("war", ["war_death_rate", "war_deaths_named", "population"]) == [
        "war_death_rate",
        "war_deaths_named",
    ]
