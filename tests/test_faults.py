"""When the database is missing, slow or saturated the API answers 503 problem+json with
Retry-After, promptly, keeps liveness up, and recovers by itself once the database is back."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.types import Receive, Scope, Send

from app.config import Settings
from app.deps import SessionDep
from app.guard import GuardLimits, RequestGuard
from app.main import create_app
from app.progress import touch_progress
from tests.conftest import ON_POSTGRES, Databases
from tests.helpers import assert_problem


def assert_unavailable(response: httpx.Response) -> dict[str, Any]:
    body = assert_problem(response, 503)
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["cache-control"] == "no-store"
    return body


@pytest.mark.skipif(ON_POSTGRES, reason="about the SQLite file")
def test_a_missing_sqlite_file_is_503_not_a_new_empty_database(
    tmp_path: Path, seeded_db: str, client_for: Callable[[str], TestClient]
) -> None:
    path = tmp_path / "later.db"
    client = client_for(f"sqlite:///{path}")

    assert_unavailable(client.get("/v1/sentences"))
    assert client.get("/healthz").status_code == 200
    assert_unavailable(client.get("/readyz"))
    assert not path.exists()  # nothing was created in its place

    shutil.copy(make_url(seeded_db).database or "", path)
    response = client.get("/v1/sentences")  # the same app: recovery without a restart
    assert response.status_code == 200
    assert response.json()["data"]
    assert client.get("/readyz").status_code == 200


@pytest.mark.skipif(ON_POSTGRES, reason="about the SQLite file")
def test_a_deleted_sqlite_file_never_serves_an_empty_database(
    databases: Databases, seeded_template: str, client_for: Callable[[str], TestClient]
) -> None:
    url = databases.new(template=seeded_template)
    client = client_for(url)
    assert client.get("/v1/sentences").status_code == 200
    Path(make_url(url).database or "").unlink()
    for _ in range(30):  # pooled connections may still read the unlinked file; new ones fail
        response = client.get("/v1/sentences")
        assert response.status_code in (200, 503), response.text
        if response.status_code == 200:
            assert response.json()["data"]


def test_a_statement_past_its_timeout_is_503(
    seeded_db: str, client_for: Callable[[str], TestClient]
) -> None:
    app = create_app(Settings(database_url=seeded_db, db_statement_timeout=0.05))

    @app.get("/v1/slow-query", include_in_schema=False)
    def slow_query(session: SessionDep) -> dict[str, int]:
        if ON_POSTGRES:
            session.execute(text("SELECT pg_sleep(2)"))
        else:  # a query SQLite works on for far longer than 50 ms
            session.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                    "WHERE i < 50000000) SELECT count(*) FROM n"
                )
            )
        return {"done": 1}

    with TestClient(app) as client:
        started = time.monotonic()
        assert_unavailable(client.get("/v1/slow-query"))
        assert time.monotonic() - started < 1.5
        assert client.get("/v1/sentences").status_code == 200  # the pool is still usable


# The guard on its own, around a stand-in app whose pace the test controls.


def _guarded(app: Callable[[Scope, Receive, Send], object], **limits: float) -> httpx.AsyncClient:
    settings = {"capacity": 1, "queue_timeout": 5.0, "stall_timeout": 5.0, "retry_after": 7}
    settings.update(limits)
    guard = RequestGuard(
        app,  # type: ignore[arg-type]
        GuardLimits(
            capacity=int(settings["capacity"]),
            queue_timeout=settings["queue_timeout"],
            stall_timeout=settings["stall_timeout"],
            retry_after=int(settings["retry_after"]),
        ),
        prefixes=("/v1",),
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://test")


async def _ok(send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_overload_beyond_the_queue_is_a_prompt_503() -> None:
    release = threading.Event()

    async def busy(scope: Scope, receive: Receive, send: Send) -> None:
        while not release.is_set():
            touch_progress()  # working, not stalled
            await asyncio.sleep(0.01)
        await _ok(send)

    async def scenario() -> None:
        async with _guarded(busy, capacity=1, queue_timeout=0.2) as client:
            first = asyncio.create_task(client.get("/v1/a"))
            await asyncio.sleep(0.05)
            second = await client.get("/v1/b")  # waits 0.2 s for the only slot, then 503
            body = assert_unavailable(second)
            assert body["type"].endswith("/overloaded")
            assert second.headers["retry-after"] == "7"
            release.set()
            assert (await first).status_code == 200
            assert (await client.get("/v1/c")).status_code == 200  # the slot came back

    asyncio.run(scenario())


def test_waiting_requests_are_served_in_turn_within_the_queue_time() -> None:
    async def quick(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.02)
        await _ok(send)

    async def scenario() -> None:
        async with _guarded(quick, capacity=2, queue_timeout=5.0) as client:
            responses = await asyncio.gather(*(client.get(f"/v1/{i}") for i in range(40)))
            assert [r.status_code for r in responses] == [200] * 40

    asyncio.run(scenario())


def test_a_request_without_progress_is_abandoned_with_503_and_its_slot_kept() -> None:
    unblock = threading.Event()
    finished = threading.Event()

    async def hung(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.to_thread(unblock.wait)  # like a driver call to a SIGSTOPped server
        await _ok(send)  # discarded: the client was answered already
        finished.set()

    async def scenario() -> None:
        async with _guarded(hung, capacity=1, stall_timeout=0.2, queue_timeout=0.2) as client:
            body = assert_unavailable(await client.get("/v1/a"))
            assert body["type"].endswith("/database_unavailable")
            # The abandoned work still holds the only slot (and, in real life, a connection).
            assert_unavailable(await client.get("/v1/b"))
            unblock.set()
            await asyncio.sleep(0.1)
            assert finished.is_set()

    asyncio.run(scenario())


def test_progress_keeps_a_long_request_alive() -> None:
    async def slow_but_steady(scope: Scope, receive: Receive, send: Send) -> None:
        def step() -> None:
            time.sleep(0.02)
            touch_progress()

        for _ in range(30):  # 0.6 s in all, with a stall timeout of 0.2 s
            await asyncio.to_thread(step)
        await _ok(send)

    async def scenario() -> None:
        async with _guarded(slow_but_steady, stall_timeout=0.2) as client:
            assert (await client.get("/v1/export")).status_code == 200

    asyncio.run(scenario())


def test_paths_outside_the_guard_pass_straight_through() -> None:
    async def ok(scope: Scope, receive: Receive, send: Send) -> None:
        await _ok(send)

    async def scenario() -> None:
        async with _guarded(ok, capacity=1) as client:
            assert (await client.get("/healthz")).status_code == 200

    asyncio.run(scenario())
