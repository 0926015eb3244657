"""The export cache (``app.export_cache``): a repeated export is its file, byte for byte the
live body, at its data version only; an export not sent to its end is never kept; the folder
stays within its bound."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.types import Message, Receive, Send

import app.routes.listing as listing_module
from app.config import Settings
from app.export_cache import ExportCache, folder_for
from app.http_cache import Version
from app.main import create_app
from tests.test_http import _statements, load_an_edit
from tests.test_metrics import requests, scrape

EXPORTS = [
    "/v1/sentences.csv",
    "/v1/sentences.ndjson",
    "/v1/sentences.csv?from=2023-01&sort=shortest_first",
    "/v1/claims.ndjson?region=RU-BU",
]
# What a response from the file must carry exactly as the live one did.
SAME_HEADERS = (
    "content-type",
    "content-disposition",
    "etag",
    "cache-control",
    "vary",
    "last-modified",
)


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """The test's own export cache folder."""
    return tmp_path / "exports"


@pytest.fixture
def open_client(exports: Path) -> Iterator[Callable[..., TestClient]]:
    """A client whose export cache is ``exports``, closed at teardown."""
    opened: list[TestClient] = []

    def make(url: str, **settings: Any) -> TestClient:
        settings.setdefault("export_cache_dir", exports)
        client = TestClient(
            create_app(Settings(database_url=url, **settings)), **_raising(settings)
        )
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def _raising(settings: dict[str, Any]) -> dict[str, Any]:
    return {"raise_server_exceptions": settings.pop("raise_server_exceptions", True)}


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def _no_rows(*_: object) -> Iterator[list[object]]:
    raise AssertionError("the rows were read again")
    yield []


@pytest.mark.parametrize("path", EXPORTS)
def test_a_repeated_export_is_its_file_byte_for_byte(
    seeded_db: str,
    open_client: Callable[..., TestClient],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    client = open_client(seeded_db)
    live = open_client(seeded_db, export_cache_bytes=0).get(path)  # the cache off: as before
    first = client.get(path)
    assert first.status_code == live.status_code == 200
    assert len(first.content) > 200
    assert first.content == live.content
    seen = _statements(client)
    monkeypatch.setattr(listing_module, "_batches", _no_rows)  # a render would fail
    again = client.get(path)
    assert seen == []  # no query but the data version's
    assert again.status_code == 200
    assert again.content == live.content
    for header in SAME_HEADERS:
        assert again.headers[header] == live.headers[header]
    assert client.app.state.export_cache.hits == 1  # type: ignore[attr-defined]
    # HEAD and a conditional GET answer from the same entry, as before.
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == live.headers["etag"]
    not_modified = client.get(path, headers={"If-None-Match": live.headers["etag"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""


def test_hits_are_counted_in_metrics_under_their_route(
    seeded_db: str, open_client: Callable[..., TestClient]
) -> None:
    client = open_client(seeded_db)
    client.get("/v1/sentences.ndjson")
    client.get("/v1/sentences.ndjson")
    samples = scrape(client)
    assert samples[("desertion_export_cache_hits_total", frozenset())] == 1
    assert samples[("desertion_export_cache_stored_total", frozenset())] == 1
    assert requests(samples, "/v1/sentences.ndjson", "200") == 2


def test_parameters_in_another_order_share_the_entry(
    seeded_db: str, open_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = open_client(seeded_db)
    first = client.get("/v1/sentences.csv?from=2023-01&sort=shortest_first")
    monkeypatch.setattr(listing_module, "_batches", _no_rows)
    again = client.get("/v1/sentences.csv?sort=shortest_first&from=2023-01")
    assert again.content == first.content
    # Its ETag names the request as sent, as the live stream's would.
    assert again.headers["etag"] != first.headers["etag"]


def test_a_load_that_changes_the_data_is_exported_anew(
    seed_copy: Path,
    seeded_db: str,
    exports: Path,
    open_client: Callable[..., TestClient],
    session_for: Callable[[str], Session],
) -> None:
    client = open_client(seeded_db)
    before = client.get("/v1/sentences.csv")
    assert b"(edited)" not in before.content
    load_an_edit(seed_copy, session_for(seeded_db))
    after = client.get("/v1/sentences.csv")
    assert b"(edited)" in after.content
    assert after.headers["etag"] != before.headers["etag"]
    assert client.app.state.export_cache.hits == 0  # type: ignore[attr-defined]
    assert len(_files(exports)) == 1  # the old version's entry is gone


def _failing_after_one_batch(session: Any, listing: Any, cursor: Any) -> Iterator[Any]:
    batches = _real_batches(session, listing, cursor)
    yield next(batches)
    raise RuntimeError("the database went away mid-stream")


_real_batches = listing_module._batches


@pytest.mark.parametrize("suffix", ["csv", "ndjson"])
def test_a_stream_that_fails_midway_keeps_nothing(
    seeded_db: str,
    exports: Path,
    open_client: Callable[..., TestClient],
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
) -> None:
    client = open_client(seeded_db, raise_server_exceptions=False)
    monkeypatch.setattr(listing_module, "FIRST_BATCH", 2)  # the first chunk is sent, then
    monkeypatch.setattr(listing_module, "_batches", _failing_after_one_batch)
    response = client.get(f"/v1/sentences.{suffix}")
    assert response.status_code == 200  # the start had left: a cut transfer
    assert response.content  # the first chunk
    assert _files(exports) == []
    monkeypatch.setattr(listing_module, "_batches", _real_batches)
    full = client.get(f"/v1/sentences.{suffix}")  # rendered live, then kept
    assert len(full.content) > len(response.content)
    assert len(_files(exports)) == 1


def _serve(client: TestClient, path: str, receive: Receive, send: Send) -> None:
    """``path`` asked of the client's app straight through ASGI, as a server whose client may
    leave would ask it (ASGI 2.3: Starlette listens for the disconnect while it streams)."""
    client.portal.call(client.app, _scope(client, path), receive, send)  # type: ignore[union-attr]


def _scope(client: TestClient, path: str) -> dict[str, Any]:
    """The ASGI scope of a GET of ``path`` as a server would pass it to the client's app."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"accept", b"*/*")],  # as TestClient sends
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": client.app_state.copy(),
    }


def test_a_client_that_disconnects_midway_leaves_no_entry(
    seeded_db: str,
    exports: Path,
    open_client: Callable[..., TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = open_client(seeded_db)
    monkeypatch.setattr(listing_module, "FIRST_BATCH", 2)
    sent: list[Message] = []
    gone = client.portal.call(anyio.Event)  # type: ignore[union-attr]

    async def receive() -> Message:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            gone.set()  # the client leaves after the first chunk
            await anyio.sleep_forever()

    _serve(client, "/v1/sentences.csv", receive, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert _files(exports) == []
    # The abandoned stream's generator still holds its session; the collector closes it, and
    # must do so while the client's engine is open, so the connection goes back to its pool
    # (collected after the engine is disposed, PostgreSQL's would be dropped unclosed).
    gc.collect()


def test_an_export_sent_to_its_end_is_kept_though_the_server_then_says_disconnect(
    seeded_db: str, exports: Path, open_client: Callable[..., TestClient]
) -> None:
    """uvicorn answers ``receive`` with a disconnect as soon as the last chunk is out, and
    Starlette then cancels the response: the entry must be in place by then."""
    client = open_client(seeded_db)
    body: list[bytes] = []
    complete = client.portal.call(anyio.Event)  # type: ignore[union-attr]

    async def receive() -> Message:
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if not message.get("more_body"):
                complete.set()

    _serve(client, "/v1/sentences.csv", receive, send)
    assert len(_files(exports)) == 1
    assert client.get("/v1/sentences.csv").content == b"".join(body)
    assert client.app.state.export_cache.hits == 1  # type: ignore[attr-defined]


def test_an_export_bigger_than_the_bound_is_sent_but_not_kept(
    seeded_db: str, exports: Path, open_client: Callable[..., TestClient]
) -> None:
    live = open_client(seeded_db, export_cache_bytes=0).get("/v1/sentences.csv")
    client = open_client(seeded_db, export_cache_bytes=len(live.content) // 2)
    assert client.get("/v1/sentences.csv").content == live.content
    assert _files(exports) == []


def test_the_cache_off_keeps_no_file_and_renders_every_time(
    seeded_db: str, exports: Path, open_client: Callable[..., TestClient]
) -> None:
    client = open_client(seeded_db, export_cache_bytes=0)
    first = client.get("/v1/sentences.ndjson")
    seen = _statements(client)
    assert client.get("/v1/sentences.ndjson").content == first.content
    assert seen != []
    assert not hasattr(client.app.state, "export_cache")  # type: ignore[attr-defined]
    assert _files(exports) == []


def test_a_folder_other_users_can_write_to_is_not_used(
    seeded_db: str, tmp_path: Path, open_client: Callable[..., TestClient]
) -> None:
    """A file planted there by another user would be served as the export: the cache stays
    off, and the export is rendered every time."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    client = open_client(seeded_db, export_cache_dir=shared)
    first = client.get("/v1/sentences.csv")
    assert client.get("/v1/sentences.csv").content == first.content
    assert client.app.state.export_cache.hits == 0  # type: ignore[attr-defined]
    assert _files(shared) == []


VERSION = Version(7, None)
OTHER = Version(8, None)


def _store(cache: ExportCache, version: Version, path: str, body: bytes) -> Path:
    writer = cache.begin(version, ("", path, b"", ""), [(b"content-type", b"text/csv")], path)
    assert writer is not None
    assert writer.write(body)
    assert writer.commit()
    return writer.final


def test_the_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    cache = ExportCache(tmp_path, 2500, "salt")
    paths = [_store(cache, VERSION, f"/v1/{n}.csv", b"x" * 1000) for n in range(3)]
    for age, path in enumerate(reversed(paths)):  # the first stored is the oldest
        os.utime(path, (1000.0 - age, 1000.0 - age))
    used = cache.open(VERSION, ("", "/v1/0.csv", b"", ""))  # used: now the newest
    assert used is not None
    used.file.close()
    cache.sweep(VERSION)
    assert sorted(p.exists() for p in paths) == [False, True, True]
    assert not paths[1].exists()  # the least recently used


def test_entries_of_another_version_are_swept_and_never_served(tmp_path: Path) -> None:
    cache = ExportCache(tmp_path, 10**6, "salt")
    old = _store(cache, VERSION, "/v1/sentences.csv", b"old")
    assert cache.open(OTHER, ("", "/v1/sentences.csv", b"", "")) is None
    cache.sweep(OTHER)
    assert not old.exists()


def test_two_misses_of_one_key_write_one_whole_entry(tmp_path: Path) -> None:
    cache = ExportCache(tmp_path, 10**6, "salt")
    key = ("", "/v1/sentences.csv", b"", "")
    first = cache.begin(VERSION, key, [(b"content-type", b"text/csv")], "/v1/sentences.csv")
    second = cache.begin(VERSION, key, [(b"content-type", b"text/csv")], "/v1/sentences.csv")
    assert first is not None
    assert second is not None
    assert first.temp != second.temp
    for chunk in (b"a,b\r\n", b"1,2\r\n"):  # interleaved, as two requests would
        first.write(chunk)
        second.write(chunk)
    assert first.commit()
    assert second.commit()
    entry = cache.open(VERSION, key)
    assert entry is not None
    with entry.file:
        assert entry.file.read() == b"a,b\r\n1,2\r\n"
    assert entry.headers == [(b"content-type", b"text/csv")]
    assert entry.route == "/v1/sentences.csv"
    assert _files(tmp_path) == [first.final.name]


def test_a_folder_removed_since_is_made_again_owner_only(tmp_path: Path) -> None:
    cache = ExportCache(tmp_path / "exports" / "db", 10**6, "salt")
    assert cache.prepare()
    shutil.rmtree(tmp_path / "exports")  # as a temp cleaner would
    kept = _store(cache, VERSION, "/v1/sentences.csv", b"a,b\r\n")
    assert kept.exists()
    assert (tmp_path / "exports").stat().st_mode & 0o777 == 0o700


def test_each_database_has_a_folder_of_its_own(tmp_path: Path) -> None:
    one = folder_for(tmp_path, "postgresql+psycopg://u:secret@h/one")
    assert one != folder_for(tmp_path, "postgresql+psycopg://u:secret@h/two")
    assert one.parent == tmp_path
    assert "secret" not in str(one)


def test_a_slow_download_from_the_cache_holds_no_database_slot(
    seeded_db: str, open_client: Callable[..., TestClient]
) -> None:
    """One slot (a pool of one), and a client that takes its time over a cached export: other
    reads are still admitted, where a held slot would have them answered 503 once the queue's
    timeout ran out."""
    client = open_client(seeded_db, db_pool_size=1, db_max_overflow=0, queue_timeout=0.5)
    client.get("/v1/sentences.csv")  # rendered and kept
    portal = client.portal
    assert portal is not None
    reading = portal.call(anyio.Event)
    done_reading = portal.call(anyio.Event)
    sent: list[Message] = []

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            reading.set()
            await done_reading.wait()  # a slow client: the rest of the file waits for it

    scope = _scope(client, "/v1/sentences.csv")
    download = portal.start_task_soon(client.app, scope, receive, send)
    try:
        portal.call(reading.wait)
        assert client.app.state.export_cache.hits == 1  # type: ignore[attr-defined]
        other = client.get("/v1/claims?limit=1")
    finally:
        portal.call(done_reading.set)  # the slow client reads the rest
        download.result(timeout=10)
    assert other.status_code == 200, other.text
    assert sent[0]["status"] == 200
