"""The hit path (app.hit_path): a cache hit answered before the middlewares carries the very
headers the whole stack sends for the same request (with and without Origin, 200 and 304, GET
and HEAD), is logged and counted like any request, and follows the data version."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.hit_path import HitPathMiddleware
from app.http_cache import MAX_FINALS, SqliteProbe
from app.logs import RequestIdFilter, new_request_id
from app.main import create_app
from tests.conftest import ON_POSTGRES
from tests.test_http import load_an_edit

LIST = "/v1/sentences?limit=5"
RECORD = "/v1/sentences/dagens-2024-sentences-per-month"
# Set by uvicorn or per request, never by the application's layers.
PER_RESPONSE = {"date", "server", "x-request-id"}
# On PostgreSQL the data version is read from the database on every request, so every read goes
# through the stack (the cache inside still answers it): the hit path answers only on SQLite.
HITS = 0 if ON_POSTGRES else 1


class Counting:
    """Counts the requests that reach the layers inside the hit path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


class Client:
    """A test client on a fresh app, and how many of its requests went past the hit path."""

    def __init__(self, client: TestClient) -> None:
        self.http = client
        client.get("/healthz")  # builds the middleware stack
        layer: Any = client.app.middleware_stack  # type: ignore[attr-defined]
        while not isinstance(layer, HitPathMiddleware):
            layer = layer.app
        self.inner = layer.app = Counting(layer.app)

    def through_stack(self, method: str, path: str, **headers: str) -> httpx.Response:
        before = self.inner.calls
        response: httpx.Response = self.http.request(method, path, headers=headers)
        assert self.inner.calls == before + 1, "expected the stack to answer"
        return response

    def from_hit_path(self, method: str, path: str, **headers: str) -> httpx.Response:
        before = self.inner.calls
        response: httpx.Response = self.http.request(method, path, headers=headers)
        assert self.inner.calls == before + 1 - HITS, "expected the hit path to answer"
        return response


@pytest.fixture
def open_client(
    seeded_db: str, client_for: Callable[[str], TestClient]
) -> Iterator[Callable[..., Client]]:
    def open_(**settings: Any) -> Client:
        if not settings:
            return Client(client_for(seeded_db))
        test_client = TestClient(create_app(Settings(database_url=seeded_db, **settings)))
        test_client.__enter__()
        opened.append(test_client)
        return Client(test_client)

    opened: list[TestClient] = []
    yield open_
    for test_client in opened:
        test_client.__exit__(None, None, None)


def lasting(response: httpx.Response) -> list[tuple[str, str]]:
    """The headers, in order, but those set per response."""
    return [(k, v) for k, v in response.headers.multi_items() if k not in PER_RESPONSE]


@pytest.mark.parametrize("path", [LIST, RECORD, "/v1/regions/RU-BU", "/explore"])
@pytest.mark.parametrize("origin", [None, "https://news.example"])
def test_a_hit_has_the_headers_and_body_the_stack_sends(
    open_client: Callable[..., Client], path: str, origin: str | None
) -> None:
    client = open_client()
    headers = {"Origin": origin} if origin else {}
    rendered = client.through_stack("GET", path, **headers)
    assert rendered.status_code == 200
    hit = client.from_hit_path("GET", path, **headers)
    assert hit.status_code == 200
    assert lasting(hit) == lasting(rendered)
    assert hit.content == rendered.content
    if origin:
        assert hit.headers["access-control-allow-origin"] == "*"
    assert hit.headers["x-content-type-options"] == "nosniff"

    etag = {"If-None-Match": rendered.headers["etag"]}
    from_stack = client.through_stack("GET", path, **headers, **etag)
    replayed = client.from_hit_path("GET", path, **headers, **etag)
    assert from_stack.status_code == replayed.status_code == 304
    assert replayed.content == b""
    assert lasting(replayed) == lasting(from_stack)

    head = client.from_hit_path("HEAD", path, **headers)
    assert head.status_code == 200
    assert head.content == b""
    assert lasting(head) == lasting(rendered)


def test_each_origin_gets_what_cors_gives_it(open_client: Callable[..., Client]) -> None:
    client = open_client(cors_origins=["https://news.example"])
    for origin in ("https://news.example", "https://evil.example"):
        rendered = client.through_stack("GET", RECORD, Origin=origin)
        hit = client.from_hit_path("GET", RECORD, Origin=origin)
        assert lasting(hit) == lasting(rendered)
    allowed = client.from_hit_path("GET", RECORD, Origin="https://news.example")
    assert allowed.headers["access-control-allow-origin"] == "https://news.example"
    refused = client.from_hit_path("GET", RECORD, Origin="https://evil.example")
    assert "access-control-allow-origin" not in refused.headers
    # An Origin not seen yet for this entry goes through the stack, then is replayed too.
    client.through_stack("GET", RECORD)
    client.from_hit_path("GET", RECORD)


def test_origins_recorded_per_entry_are_bounded(open_client: Callable[..., Client]) -> None:
    client = open_client()
    client.through_stack("GET", RECORD)
    client.from_hit_path("GET", RECORD)
    made_up = [f"https://site{n}.example" for n in range(MAX_FINALS + 2)]
    for origin in made_up:
        client.through_stack("GET", RECORD, Origin=origin)
    answered = [client.http.get(RECORD, headers={"Origin": o}) for o in made_up]
    assert all(r.headers["access-control-allow-origin"] == "*" for r in answered)
    # The first MAX_FINALS - 1 (the request without Origin took one) are replayed, the rest not.
    client.through_stack("GET", RECORD, Origin=made_up[-1])
    client.from_hit_path("GET", RECORD, Origin=made_up[0])


def test_a_hit_is_logged_with_its_request_id(
    open_client: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    client = open_client()
    client.through_stack("GET", LIST)
    caplog.set_level(logging.INFO, logger="app.access")
    access = logging.getLogger("app.access")
    with_id = RequestIdFilter()
    access.addFilter(with_id)
    try:
        echoed = client.from_hit_path("GET", LIST, **{"X-Request-ID": "hit-1"})
        fresh = client.from_hit_path("GET", LIST, **{"X-Request-ID": "not valid"})
    finally:
        access.removeFilter(with_id)
    assert echoed.headers["x-request-id"] == "hit-1"
    made = fresh.headers["x-request-id"]
    assert made != "not valid"
    assert uuid.UUID(hex=made).hex == made
    first, second = [r for r in caplog.records if r.name == "app.access"]
    assert (first.method, first.path, first.status) == ("GET", "/v1/sentences", 200)  # type: ignore[attr-defined]
    assert first.request_id == "hit-1"  # type: ignore[attr-defined]
    assert first.duration_ms >= 0  # type: ignore[attr-defined]
    assert second.request_id == made  # type: ignore[attr-defined]


def test_a_hit_is_counted_under_its_route(open_client: Callable[..., Client]) -> None:
    client = open_client()
    client.through_stack("GET", RECORD)
    etag = client.from_hit_path("GET", RECORD).headers["etag"]
    client.through_stack("GET", RECORD, **{"If-None-Match": etag})
    client.from_hit_path("GET", RECORD, **{"If-None-Match": etag})
    client.from_hit_path("HEAD", RECORD)
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(client.http.get("/metrics").text)
        for sample in family.samples
    }

    def count(status: str) -> float:
        labels = frozenset({"route": "/v1/sentences/{sentence_id}", "status": status}.items())
        return samples[("desertion_http_requests_total", labels)]

    assert count("200") == 3
    assert count("304") == 2
    labels = frozenset({"route": "/v1/sentences/{sentence_id}", "status": "200"}.items())
    assert samples[("desertion_http_request_duration_seconds_count", labels)] == 3
    assert samples[("desertion_http_requests_in_flight", frozenset())] == 1  # the scrape


def test_a_new_data_version_is_never_answered_from_old_headers(
    open_client: Callable[..., Client],
    seed_copy: Path,
    seeded_db: str,
    session_for: Callable[[str], Session],
) -> None:
    client = open_client()
    before = client.through_stack("GET", RECORD)
    client.from_hit_path("GET", RECORD)
    client.through_stack("GET", RECORD, **{"If-None-Match": before.headers["etag"]})
    client.from_hit_path("GET", RECORD, **{"If-None-Match": before.headers["etag"]})
    load_an_edit(seed_copy, session_for(seeded_db))
    after = client.through_stack("GET", RECORD, **{"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.headers["last-modified"] != before.headers["last-modified"]
    assert "(edited)" in after.text
    again = client.from_hit_path("GET", RECORD)
    assert again.headers["etag"] == after.headers["etag"]
    assert "(edited)" in again.text


def test_reads_outside_the_cache_are_untouched(open_client: Callable[..., Client]) -> None:
    client = open_client()
    for _ in range(2):
        client.through_stack("GET", "/healthz")
        client.through_stack("GET", "/v1/sentences.csv")  # a stream: never kept
        client.through_stack("GET", "/v1/regions/RU-XX")  # an error: never kept


def test_a_new_request_id_is_a_uuid4() -> None:
    made = {new_request_id() for _ in range(200)}
    assert len(made) == 200
    for value in made:
        parsed = uuid.UUID(hex=value)
        assert (parsed.hex, parsed.version, parsed.variant) == (value, 4, uuid.RFC_4122)


def test_the_sqlite_probe_is_read_once_per_batch_of_callbacks(tmp_path: Path) -> None:
    path = tmp_path / "probed.db"
    writer = sqlite3.connect(path)
    writer.execute("CREATE TABLE t (x)")
    writer.commit()
    probe = SqliteProbe(str(path))

    def commit() -> None:
        writer.execute("INSERT INTO t VALUES (1)")
        writer.commit()

    async def scenario() -> None:
        first = probe()
        commit()
        assert probe() == first  # the same batch: requests received before the commit
        await asyncio.sleep(0)  # the next batch, as a request sent after the commit
        second = probe()
        assert second != first
        commit()
        await asyncio.sleep(0)
        assert probe() != second

    asyncio.run(scenario())
    state = probe()  # outside an event loop, every call reads
    commit()
    assert probe() != state
    writer.close()
