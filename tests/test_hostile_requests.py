"""Forged or malformed requests are a 4xx problem, never a 500, whatever they decode to; and an
error quotes at most a short part of what was sent."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from app.errors import MAX_TEXT, QUOTED_INPUT
from app.main import app as default_app
from tests.helpers import assert_problem

CURSOR_LISTS = sorted(
    path
    for path, item in default_app.openapi()["paths"].items()
    if any(p["name"] == "cursor" for p in item.get("get", {}).get("parameters", []))
)


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


FORGED_CURSORS = [
    "WyJcdWQ4MDAiXQ",  # ["\ud800"]: a lone surrogate, as seen in issue 7
    _cursor('["\\udfff", "\\ud800"]'),
    _cursor('["2024-03-01", "\\ud800x"]'),
    _cursor('["\\u0000", "a"]'),
    _cursor(json.dumps(["x" * 300, "y"])),
    _cursor('{"a": 1}'),
    _cursor("[[[[[[[[[[]]]]]]]]]]"),
    _cursor("[1e400, 2]"),
    _cursor("[null, null]"),
    "%FF%FE",
    "A" * 500,
]


def test_there_are_cursor_lists_to_test() -> None:
    assert {"/v1/sentences", "/v1/risks", "/v1/claims", "/v1/articles"} <= set(CURSOR_LISTS)


@pytest.mark.parametrize("path", CURSOR_LISTS)
@pytest.mark.parametrize("cursor", FORGED_CURSORS)
def test_a_forged_cursor_is_422_on_every_list(client: TestClient, path: str, cursor: str) -> None:
    body = assert_problem(client.get(path, params={"cursor": cursor}), 422)
    assert body["errors"][0]["parameter"] == "cursor"


@pytest.mark.parametrize("since", ["\ud800", "１２", "0x10", "1" * 19, " 1", "1.0", "-0", "\u0661"])
def test_a_forged_change_token_is_a_client_error(client: TestClient, since: str) -> None:
    response = client.get("/v1/changes", params={"since": since.encode("utf-8", "surrogatepass")})
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "headers",
    [
        {"If-Modified-Since": "not a date"},
        {"If-Modified-Since": "Mon, 99 Foo 99999 99:99:99 GMT"},
        {"If-None-Match": '"' + "x" * 8000 + '"'},
        {"If-None-Match": ",,,W/,*,"},
        {"Accept": "text/csv;q=abc, */*;q=-1"},
        {"Accept": ";;;,,," * 500},
        {"Accept": "application/json;q=0"},
    ],
)
def test_odd_headers_never_crash(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/v1/sentences", headers=headers)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sentences?from=" + "9" * 60_000,
        "/v1/risks?region=" + "R" * 60_000,
        "/v1/sentences/" + "x" * 60_000,
        "/v1/regions/" + "RU-" + "B" * 60_000,
        "/v1/sentences?" + "q" * 30_000 + "=1",
    ],
)
def test_an_error_quotes_only_a_short_part_of_the_input(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert 400 <= response.status_code < 500
    body = response.json()
    assert len(response.content) < 4 * MAX_TEXT
    assert len(body["detail"]) <= MAX_TEXT
    for error in body.get("errors", []):
        assert len(error["reason"]) <= MAX_TEXT


def test_a_quoted_input_keeps_its_start(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/sentences/" + "abc" * 1000), 404)
    assert "'abcabc" in body["detail"]
    assert "abc" * (QUOTED_INPUT // 3 + 1) not in body["detail"]
