"""Streamed exports kept on disk, per data version: a repeated whole export is a file sent,
not a million rows rendered again.

Why. A CSV or NDJSON export costs tens of microseconds of Python per row (evidence, relations,
about 45 cells), so a large one renders at well under 100k rows/s. Bulk consumers pull the
same whole export again and again while the data stays the same; only seed and import write,
and each appends to the revision log. So the first export of a request at a data version is
streamed live and written to a file as it goes; every later one, by any worker on the machine,
is that file, sent in ``CHUNK`` pieces from the first byte on, memory flat.

* **Key.** What the export's ETag already names (``app.http_cache.version_etag``): the data
  version (latest revision id and time), the application's salt (version, public URL), the
  path, the query string and Accept. The query string is normalised (parameters in name order,
  each name's values in their order) since an export's body, unlike a JSON page's ``next``
  link, does not depend on the order. Each database has its own folder under the configured
  one (a hash of its URL), so two databases never share an entry.
* **Why a version read before the stream's own transaction is the right key.** The middleware
  reads the version, then the route opens the transaction the stream reads. A write that
  commits in between makes the body newer than its key. That is still right: versions only
  grow (the revision log is append-only and written by seed and import alone), so every
  request that reads the version after that commit gets the newer key and never this entry;
  only a request that raced the same commit can be served it, and the live stream would have
  answered it with the same newer data. A write that bypasses the revision log is not seen,
  exactly as the ETag does not see it.
* **Writes are atomic.** A miss writes a temp file of a unique name in the folder and renames
  it into place (``os.replace``, no fsync: a crash loses a cache entry, never corrupts one) only
  when the last chunk was sent: a client that disconnects, or a stream that fails, leaves no
  entry and no temp file. Two concurrent misses each write their own temp file; the last rename
  wins and both files are the same bytes. Several uvicorn workers can share the folder.
* **Bounded.** A body bigger than ``max_bytes`` is not kept. After each entry is stored, and
  when a worker first sees a new version, the folder is swept: entries of any other version go
  (they are never served), then the least recently used (a hit touches its file) until the rest
  fit in ``max_bytes``; temp files untouched for an hour (a killed worker's) go too.
* **Trusted.** A file in the folder is sent as the export it is named after, so the folder is
  made its owner's alone, and the cache stays off if another user can write to it or to the
  folder holding it (a shared temp dir is world-writable).

It sits inside ``app.http_cache.HTTPCacheMiddleware``, which reads the version, answers
``If-None-Match`` with a 304 before anything here runs, and adds the ETag, Cache-Control, Vary
and Last-Modified to what this sends, hit or miss alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode

import anyio.to_thread
import orjson
from sqlalchemy.engine import make_url
from starlette.datastructures import Headers
from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import DATA_VERSION
from app.guard import RELEASE_KEY
from app.http_cache import RequestKey, Version, request_key
from app.metrics import ROUTE_TEMPLATE, route_template
from app.stream import CHUNK

logger = logging.getLogger("desertion_api")

SUFFIX = ".export"
TEMP = ".tmp"
ABANDONED = 3600  # seconds after which an untouched temp file is a dead worker's


def folder_for(root: Path, database_url: str) -> Path:
    """The database's own folder under ``root``: a hash of its URL (password hidden)."""
    url = make_url(database_url).render_as_string(hide_password=True)
    return root / hashlib.sha256(url.encode()).hexdigest()[:16]


def normalised(query: bytes) -> str:
    """The query string with its parameters in name order (a stable sort: a repeated name's
    values keep theirs), decoded as the application decodes it."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return urlencode(sorted(pairs, key=lambda pair: pair[0]))


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A kept export: the response headers the application sent, the template of the route
    that rendered it (its metrics label), and its file, positioned at the body."""

    headers: list[tuple[bytes, bytes]]
    route: str
    file: IO[bytes]


@dataclass
class Writer:
    """A temp file the body is copied into as it is sent; ``commit`` renames it into place."""

    final: Path
    temp: Path
    file: IO[bytes]
    limit: int
    size: int = 0

    def write(self, chunk: bytes) -> bool:
        """Copies ``chunk``; False (and nothing kept) once the body is bigger than the limit
        or the disk refuses it: the response itself goes on."""
        self.size += len(chunk)
        try:
            if self.size <= self.limit:
                self.file.write(chunk)
                return True
        except OSError as exc:
            logger.warning("export cache write failed: %s", exc)
        self.abort()
        return False

    def commit(self) -> bool:
        try:
            self.file.close()
            os.replace(self.temp, self.final)
        except OSError as exc:
            logger.warning("export cache write failed: %s", exc)
            self.abort()
            return False
        return True

    def abort(self) -> None:
        """Drops the temp file; never raises (a full disk must not break the response)."""
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            self.temp.unlink(missing_ok=True)


class ExportCache:
    """The entries of one database's folder: looked up, written, swept."""

    def __init__(self, folder: Path, max_bytes: int, salt: str) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.salt = salt
        self.seen: str | None = None  # the version tag this worker last swept for
        self.usable: bool | None = None  # known after the first request (``prepare``)
        self.hits = 0
        self.stored = 0

    def prepare(self) -> bool:
        """Makes the folder (its owner's alone) and checks that no other user can write to it
        or to the folder holding it: a file someone else put there would be served as an
        export. If they can, or it cannot be made, the cache stays off (a warning says why)."""
        try:
            self.folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.folder.mkdir(mode=0o700, exist_ok=True)
            for path in (self.folder.parent, self.folder):
                stat = path.stat()
                if stat.st_uid != os.geteuid() or stat.st_mode & 0o022:
                    logger.warning("export cache off: other users can write to %s", path)
                    return False
        except OSError as exc:
            logger.warning("export cache off: %s", exc)
            return False
        return True

    @staticmethod
    def version_tag(version: Version) -> str:
        return _digest(version.revision, version.changed)[:16]

    def path(self, version: Version, key: RequestKey) -> Path:
        root_path, path, query, accept = key
        name = _digest(self.salt, root_path, path, normalised(query), accept)[:40]
        return self.folder / f"{self.version_tag(version)}-{name}{SUFFIX}"

    def open(self, version: Version, key: RequestKey) -> Entry | None:
        """The entry, or None on a miss. Opening marks it recently used."""
        path = self.path(version, key)
        try:
            file = path.open("rb")
        except OSError:
            return None
        try:
            head = orjson.loads(file.readline())
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in head["headers"]]
            entry = Entry(headers, str(head["route"]), file)
        except (OSError, ValueError, KeyError, TypeError):
            file.close()
            return None
        with contextlib.suppress(OSError):  # swept by another worker since: still readable
            os.utime(path)
        return entry

    def begin(
        self, version: Version, key: RequestKey, headers: list[tuple[bytes, bytes]], route: str
    ) -> Writer | None:
        """A writer for the entry, its head (headers, route) written; None if the folder cannot
        be written."""
        final = self.path(version, key)
        temp = final.with_name(f".{final.stem}.{uuid.uuid4().hex}{TEMP}")
        try:
            if not self.folder.is_dir() and not self.prepare():  # a temp cleaner removed it
                return None
            file = temp.open("xb")
        except OSError as exc:
            logger.warning("export cache not writable: %s", exc)
            return None
        writer = Writer(final, temp, file, self.max_bytes)
        head = {
            "route": route,
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers],
        }
        return writer if writer.write(orjson.dumps(head) + b"\n") else None

    def sweep(self, version: Version) -> None:
        """Removes entries of other versions, stale temp files, then the least recently used
        entries until the rest fit in ``max_bytes``."""
        current = self.version_tag(version)
        now = time.time()
        kept: list[tuple[float, int, Path]] = []
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            path = self.folder / name
            try:
                stat = path.stat()
                if name.endswith(TEMP):
                    if now - stat.st_mtime > ABANDONED:
                        path.unlink()
                elif name.endswith(SUFFIX):
                    if name.startswith(current + "-"):
                        kept.append((stat.st_mtime, stat.st_size, path))
                    else:
                        path.unlink()
            except OSError:  # another worker removed it first
                continue
        total = sum(size for _, size, _ in kept)
        for _, size, path in sorted(kept):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            total -= size


def _versioned_stream(start: Message) -> bool:
    """Whether a response is a stream whose ETag is the data version's: a 200 attachment with
    no ETag of its own (the data package's zip has one)."""
    headers = Headers(raw=start["headers"])
    return start["status"] == 200 and "content-disposition" in headers and "etag" not in headers


class ExportCacheMiddleware:
    """Answers a streamed export from its file, or streams it live and keeps the file."""

    def __init__(self, app: ASGIApp, cache: ExportCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        version: Version | None = scope.get(DATA_VERSION) if scope["type"] == "http" else None
        if version is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        cache = self.cache
        if cache.usable is None:
            cache.usable = await anyio.to_thread.run_sync(cache.prepare)
        if not cache.usable:
            await self.app(scope, receive, send)
            return
        if cache.seen != cache.version_tag(version):
            cache.seen = cache.version_tag(version)
            await anyio.to_thread.run_sync(cache.sweep, version)
        key = request_key(scope, Headers(scope=scope))
        # In the loop, not a thread: a miss is one failed open(), a few microseconds, and
        # every read that misses the response cache asks.
        entry = cache.open(version, key)
        if entry is not None:
            cache.hits += 1
            # The version is read and nothing below touches the database: the admission slot
            # goes back now, not after a slow client has downloaded the whole file.
            release = scope.get(RELEASE_KEY)
            if release is not None:
                release()
            await self._send_file(scope, receive, send, entry)
            return
        await self._tee(scope, receive, send, version, key)

    async def _send_file(self, scope: Scope, receive: Receive, send: Send, entry: Entry) -> None:
        async def chunks() -> Any:
            while chunk := await anyio.to_thread.run_sync(entry.file.read, CHUNK):
                yield chunk

        scope[ROUTE_TEMPLATE] = entry.route  # the router does not run: counted under its route
        response = StreamingResponse(chunks())
        response.raw_headers = entry.headers
        try:
            await response(scope, receive, send)  # Starlette stops at a disconnect
        finally:
            entry.file.close()

    async def _tee(
        self, scope: Scope, receive: Receive, send: Send, version: Version, key: RequestKey
    ) -> None:
        cache = self.cache
        writer: Writer | None = None
        done = False

        async def teeing_send(message: Message) -> None:
            nonlocal writer, done
            if message["type"] == "http.response.start" and _versioned_stream(message):
                writer = await anyio.to_thread.run_sync(
                    cache.begin, version, key, list(message["headers"]), route_template(scope)
                )
            body = message["type"] == "http.response.body"
            chunk = message.get("body", b"")
            if (
                body
                and writer is not None
                and not await anyio.to_thread.run_sync(writer.write, chunk)
            ):
                writer = None  # too big to keep
            await send(message)
            if body and writer is not None and not message.get("more_body"):
                # In the loop, with no await: once the last chunk is out the server says the
                # client is gone, and Starlette cancels the response at its next checkpoint.
                # Closing (the last few KiB) and renaming take microseconds.
                done = writer.commit()
                writer = None

        try:
            await self.app(scope, receive, teeing_send)
        finally:
            if writer is not None:  # the body was not sent to its end: keep nothing
                writer.abort()
        if done:
            cache.stored += 1
            await anyio.to_thread.run_sync(cache.sweep, version)
