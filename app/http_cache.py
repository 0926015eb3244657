"""HTTP caching for reads: strong ETags, 304 for a matching If-None-Match, Last-Modified from
the revision log, a configurable Cache-Control, and a response cache keyed on the data version.

* **Data version.** Every change to the data appends to the revision log (the loader is the one
  write path: seed, import, a future write API), so ``(max(revisions.id),
  max(revisions.created_at))`` names the data a response was rendered from. Both are index
  lookups. On SQLite it is re-read only when a cheap probe says the file changed (its inode and
  ``PRAGMA data_version`` of a connection of our own: a commit by any connection or process
  changes it); on PostgreSQL on every request (one round trip, no probe exists).
* **ETag.** A JSON body's ETag is the hash of its bytes, so it changes when, and only when, the
  bytes served change (an edit elsewhere leaves it alone). A streamed export (CSV, NDJSON) cannot
  hash a body it has not written yet: its ETag is derived from the data version and the request.
* **Response cache.** Each rendered 200 is kept, with its headers and ETag, under the request
  (path, query string, Accept) and the data version it was rendered at: a repeated read, or a
  conditional one answered 304, runs no query and renders nothing. An entry is used only while
  the data version is the one it was rendered at. Memory is bounded (an LRU by bytes; a body too
  big to keep keeps its ETag alone, still enough for a 304). Each worker process holds its own
  cache and reads the version itself, so workers agree on every ETag (a body hash, or the
  version) and differ only in what they have warm.

A pure ASGI middleware: a JSON body is buffered whole to be hashed (bounded by the endpoint's
limits). A response that is an attachment or already carries an ETag (the exports and the data
package) is passed through as it streams.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import func, literal_column, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import DATA_VERSION
from app.models import Revision

# The data version a request is answered at, left in its ASGI scope for the routes' own caches
# (app.facets).
VERSION_KEY = "desertion.data_version"
# The cache entry a response is, left in the scope for the hit path (app.hit_path) to record the
# headers the response leaves the application with.
ENTRY_KEY = "desertion.cached"

# What a 304 keeps of the 200 it stands for (RFC 9110 15.4.5: Cache-Control, ETag and Vary are
# required when the 200 would carry them; Date is the server's).
NOT_MODIFIED_HEADERS = frozenset(
    {
        b"etag",
        b"cache-control",
        b"last-modified",
        b"vary",
        b"link",
        b"access-control-allow-origin",
        b"access-control-expose-headers",
    }
)


def etag_from_digest(digest: hashlib._Hash) -> str:
    """The strong ETag of the bytes a SHA-256 ``digest`` has hashed: the one formula for a
    buffered body (``strong_etag``) and a stream hashed as it is written."""
    return '"' + digest.hexdigest()[:40] + '"'


def strong_etag(body: bytes) -> str:
    return etag_from_digest(hashlib.sha256(body))


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


@dataclass(frozen=True)
class Version:
    """The data as of the latest revision: its id and when it was made (None when empty), which
    ETags and Last-Modified derive from, and ``commits``: a token that changes with every commit
    to the database, revision or not (on SQLite the probe's state, on PostgreSQL the snapshot's
    xmax), so that a write that bypasses the loader still invalidates cached responses. It is
    this process's own, never part of an ETag."""

    revision: int | None
    changed: datetime | None
    commits: Any = None


def _read_version(maker: sessionmaker[Session], commits: Any) -> Version:
    # Two scalar subqueries: a single max() each is what both engines answer from an index.
    latest_id = select(func.max(Revision.id)).scalar_subquery()
    latest_at = select(func.max(Revision.created_at)).scalar_subquery()
    columns: list[Any] = [latest_id, latest_at]
    with maker() as session:
        if session.get_bind().dialect.name == "postgresql":
            # One past the latest completed transaction id: it moves with every commit that
            # wrote anything (reads take no transaction id).
            columns.append(literal_column("pg_snapshot_xmax(pg_current_snapshot())::text"))
        row = session.execute(select(*columns)).one()
    changed = row[1]
    if isinstance(changed, str):  # SQLite hands a scalar subquery's datetime back as text
        changed = datetime.fromisoformat(changed)
    if changed is not None and changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    return Version(row[0], changed, row[2] if len(row) > 2 else commits)


class SqliteProbe:
    """Says, without a query of the revision log, whether a SQLite file may have changed: its
    inode (the file replaced or deleted) and ``PRAGMA data_version`` of a read-only connection
    of our own, which changes whenever another connection commits. A few microseconds."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.inode: int | None = None
        self.connection: sqlite3.Connection | None = None
        self.held: tuple[int, int] | None = None
        self.held_in: asyncio.AbstractEventLoop | None = None

    def __call__(self) -> tuple[int, int] | None:
        """The file's state, or None when it cannot be read (missing: nothing may be cached).

        Within one batch of the event loop's ready callbacks the state is read once. Every
        request those callbacks serve was received before the batch began, hence before the
        read: a client that waited for a commit before sending its request cannot be among
        them with an older state (its request arrives in a later batch, after the release).
        This holds while request tasks start by ``call_soon``, as uvicorn's do (an eager task
        factory would start them inside the I/O callbacks, within a batch)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None and loop is self.held_in:
            return self.held
        state = self._read()
        if loop is not None:
            self.held, self.held_in = state, loop
            loop.call_soon(self._release)
        return state

    def _release(self) -> None:
        self.held, self.held_in = None, None

    def _read(self) -> tuple[int, int] | None:
        try:
            inode = os.stat(self.path).st_ino
            if self.connection is None or inode != self.inode:
                if self.connection is not None:
                    self.connection.close()
                self.connection = sqlite3.connect(
                    f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, timeout=0.1
                )
                self.inode = inode
            (data_version,) = self.connection.execute("PRAGMA data_version").fetchone()
        except (OSError, sqlite3.Error):
            return None
        return inode, data_version


def _probe_for(maker: sessionmaker[Session]) -> SqliteProbe | None:
    url = make_url(str(maker.kw["bind"].url))
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    return SqliteProbe(database.removeprefix("file:"))


class DataVersion:
    """The current data version, re-read from the revision log whenever it may have changed.

    The read runs in the thread pool, never on the event loop (a blocking pool checkout there
    once wedged the whole server). If the database fails, the version is unknown (None): the
    request is answered by the application itself, and nothing is cached."""

    def __init__(self) -> None:
        self.value: Version | None = None
        self.state: Any = None
        self.probe: SqliteProbe | None = None
        self.probed_maker: Any = None

    def _maker(self, scope: Scope) -> Any:
        maker = scope.get("state", {}).get("sessionmaker")
        if maker is not None and maker is not self.probed_maker:
            self.probe, self.probed_maker, self.value = _probe_for(maker), maker, None
        return maker

    def known(self, scope: Scope) -> Version | None:
        """The version, if a probe says it is the one last read (no query, no thread): None on
        PostgreSQL, and whenever the data may have changed."""
        if self._maker(scope) is None or self.probe is None:
            return None
        state = self.probe()
        return self.value if state is not None and state == self.state else None

    async def get(self, scope: Scope) -> Version | None:
        maker = self._maker(scope)
        if maker is None:
            return None
        state = self.probe() if self.probe is not None else None
        if self.probe is not None:
            if state is None:
                return None
            if state == self.state and self.value is not None:
                return self.value
        # The probe is read before the version: a commit in between changes the probe again,
        # so the next request reads the version again.
        try:
            value = await anyio.to_thread.run_sync(_read_version, maker, state)
        except SQLAlchemyError:
            self.value = None
            return None
        self.value, self.state = value, state
        return value


def _headers_size(headers: list[tuple[bytes, bytes]]) -> int:
    return sum(len(k) + len(v) for k, v in headers)


@dataclass(frozen=True)
class Final:
    """The headers a response to an entry left the application with, all middlewares applied
    (its X-Request-ID aside), and the route it is counted under (app.hit_path)."""

    headers: list[tuple[bytes, bytes]]
    route: str


# What a final is recorded under: the request's Origin (the one request header the middlewares
# outside the cache read: CORS) and the status (200, or 304 for a matching conditional GET).
Variant = tuple[str | None, int]
# Finals kept per entry: a client sending made-up Origins fills these, then is answered as before.
MAX_FINALS = 8


@dataclass(frozen=True)
class Cached:
    """A rendered 200: its start message's headers, ETag and body (None when too big to keep),
    and the final headers recorded for it so far, by variant."""

    version: Version
    etag: str
    headers: list[tuple[bytes, bytes]]
    body: bytes | None
    route: Any = None  # the route that rendered it: a hit is counted under it (app.metrics)
    finals: dict[Variant, Final] = field(default_factory=dict, compare=False, repr=False)

    @property
    def size(self) -> int:
        finals = sum(_headers_size(f.headers) for f in self.finals.values())
        return 256 + len(self.body or b"") + _headers_size(self.headers) + finals


RequestKey = tuple[str, str, bytes, str]


class ResponseCache:
    """Rendered responses by request, valid for one data version; least recently used first out
    once their bytes pass ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[RequestKey, Cached] = OrderedDict()
        self.size = 0

    def get(self, key: RequestKey, version: Version) -> Cached | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry.version != version:
            self._drop(key)
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, key: RequestKey, entry: Cached) -> Cached | None:
        """Keeps ``entry`` (its body only if it is small enough) and returns what is kept."""
        if self.max_bytes <= 0:
            return None
        if entry.body is not None and len(entry.body) > self.max_bytes // 8:
            entry = Cached(entry.version, entry.etag, entry.headers, None, entry.route)
        if key in self.entries:
            self._drop(key)
        self.entries[key] = entry
        self.size += entry.size
        self._trim()
        return entry

    def remember(self, key: RequestKey, entry: Cached, variant: Variant, final: Final) -> None:
        """Records the final headers of ``entry`` for ``variant``, if the entry is still kept
        under ``key`` (its bytes count towards ``max_bytes`` from then on)."""
        if self.entries.get(key) is not entry or len(entry.finals) >= MAX_FINALS:
            return
        old = entry.finals.get(variant)
        entry.finals[variant] = final
        self.size += _headers_size(final.headers) - (_headers_size(old.headers) if old else 0)
        self._trim()

    def _trim(self) -> None:
        while self.size > self.max_bytes and self.entries:
            self._drop(next(iter(self.entries)))

    def _drop(self, key: RequestKey) -> None:
        self.size -= self.entries.pop(key).size


def request_key(scope: Scope, headers: Mapping[str, str]) -> RequestKey:
    """What a read's body depends on besides the data: the path, the query string as sent
    (parameter order shows in ``next`` links and facet order) and Accept. The public URL is the
    application's own, one per cache."""
    return (
        scope.get("root_path", ""),
        scope["path"],
        scope.get("query_string", b""),
        headers.get("accept", ""),
    )


def version_etag(salt: str, version: Version, key: RequestKey) -> str:
    """The ETag of a streamed export: the data version and the request (and ``salt``: the
    application's version and public URL, which the body also depends on)."""
    parts = (salt, str(version.revision), str(version.changed), *map(str, key))
    digest = hashlib.sha256("\x1f".join(parts).encode())
    return '"v' + digest.hexdigest()[:39] + '"'


class ReadCache:
    """What the two cache middlewares share: the data version, the cached responses, and how a
    cached response or a 304 is sent."""

    def __init__(self, cache_control: str, cache_bytes: int = 0, salt: str = "") -> None:
        self.cache_control = cache_control
        self.salt = salt
        self.versions = DataVersion()
        self.responses = ResponseCache(cache_bytes)

    async def answer(
        self, scope: Scope, key: RequestKey, version: Version, request: Headers, send: Send
    ) -> bool:
        """Answer from what is known at ``version`` without the application, if anything is."""
        entry = self.responses.get(key, version)
        if entry is not None:
            if entry.route is not None:
                scope["route"] = entry.route
            start = {"type": "http.response.start", "status": 200, "headers": entry.headers}
            if self.not_modified(request, entry.etag, version):
                scope[ENTRY_KEY] = entry
                await send_304(send, start)
                return True
            if entry.body is not None:
                scope[ENTRY_KEY] = entry
                await send(start)
                await send({"type": "http.response.body", "body": entry.body})
                return True
        streamed = version_etag(self.salt, version, key)
        tags = {t.strip().removeprefix("W/") for t in request.get("if-none-match", "").split(",")}
        if streamed in tags:  # an export's ETag names its version: unchanged, no query needed
            headers = MutableHeaders(raw=[(b"etag", streamed.encode())])
            self.decorate(headers, version)
            await send_304(send, {"headers": headers.raw})
            return True
        return False

    def decorate(self, headers: MutableHeaders, version: Version | None) -> None:
        headers["cache-control"] = self.cache_control
        if version is not None and version.changed is not None:
            changed = version.changed.astimezone(UTC)
            headers["last-modified"] = format_datetime(changed, usegmt=True)
        vary = {v.strip() for v in headers.get("vary", "").split(",") if v.strip()}
        headers["vary"] = ", ".join(sorted(vary | {"Accept"}))

    def not_modified(self, request: Mapping[str, str], etag: str, version: Version | None) -> bool:
        if "if-none-match" in request:
            return etag_matches(request["if-none-match"], etag)
        since = request.get("if-modified-since")
        changed = version.changed if version is not None else None
        if since and changed is not None:
            try:
                # Strictly earlier: Last-Modified has whole seconds, so a change later in the
                # same second as the client's copy must not be answered with 304.
                return changed.replace(microsecond=0) < parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False


async def send_304(send: Send, start: Message) -> None:
    headers = [(k, v) for k, v in start["headers"] if k.lower() in NOT_MODIFIED_HEADERS]
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _cacheable(scope: Scope, prefixes: tuple[str, ...]) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] in ("GET", "HEAD")
        and scope["path"].startswith(prefixes)
    )


class CacheHitMiddleware:
    """Answers a read from the cache before admission control (``app.guard``), when the version
    is known without the database (SQLite's probe): a hit costs no slot, no task, no thread."""

    def __init__(self, app: ASGIApp, cache: ReadCache, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.cache = cache
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _cacheable(scope, self.prefixes):
            version = self.cache.versions.known(scope)
            if version is not None:
                headers = Headers(scope=scope)
                key = request_key(scope, headers)
                if await self.cache.answer(scope, key, version, headers, send):
                    return
        await self.app(scope, receive, send)


class HTTPCacheMiddleware:
    """Inside admission control: reads the data version (a query when it may have changed),
    answers from the cache if it can, else renders, hashes, keeps and answers."""

    def __init__(self, app: ASGIApp, cache: ReadCache, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.cache = cache
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _cacheable(scope, self.prefixes):
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        key = request_key(scope, request_headers)
        version = await self.cache.versions.get(scope)
        scope[DATA_VERSION] = version  # for the route's session (app.db.get_session)
        if version is not None and await self.cache.answer(
            scope, key, version, request_headers, send
        ):
            return
        scope[VERSION_KEY] = version  # what the routes' own caches are keyed on (app.facets)
        await self._render(scope, receive, send, key, version, request_headers)

    async def _render(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: RequestKey,
        version: Version | None,
        request: Headers,
    ) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        passthrough = False

        async def cached_send(message: Message) -> None:
            nonlocal passthrough
            if message["type"] == "http.response.start":
                start.update(message)
                headers = MutableHeaders(scope=message)
                if message["status"] != 200:
                    passthrough = True
                elif "etag" in headers or "content-disposition" in headers:  # a stream
                    passthrough = True
                    if "etag" not in headers and version is not None:
                        headers["etag"] = version_etag(self.cache.salt, version, key)
                    self.cache.decorate(headers, version)
                    if "etag" in headers and self.cache.not_modified(
                        request, headers["etag"], version
                    ):
                        await send_304(send, message)
                        start["sent_304"] = True
                        return
                if passthrough:
                    await send(message)
                return
            if start.get("sent_304"):
                return
            if passthrough:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(scope=start)
            etag = strong_etag(body)
            headers["etag"] = etag
            self.cache.decorate(headers, version)
            if version is not None:
                entry = Cached(version, etag, list(start["headers"]), body, scope.get("route"))
                scope[ENTRY_KEY] = self.cache.responses.put(key, entry)
            if self.cache.not_modified(request, etag, version):
                await send_304(send, start)
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, cached_send)
