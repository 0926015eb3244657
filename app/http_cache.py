"""HTTP caching for reads: a strong ETag computed from the body (so it changes when, and only
when, the bytes served change), 304 for a matching If-None-Match, Last-Modified from the
revision log, and a configurable Cache-Control.

A pure ASGI middleware: a JSON body is buffered whole to be hashed. Most are bounded by their
endpoint's limit (a list page holds at most DESERTION_MAX_PAGE_SIZE records, a change-feed page
1000 entries, a search 100 hits); a detail that embeds the records linked to it (an article's, a
region's) grows with the data. A response that already carries an ETag (the CSV/NDJSON exports
and the data package, which hash while spooling to disk) is only compared, never buffered.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.models import Revision


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


class LastChange:
    """When the data last changed, read from the revision log at most once a second.

    The read runs in the thread pool, never on the event loop (a blocking pool checkout there
    once wedged the whole server), and by one request at a time: while it runs, the others use
    the value already known. If the database fails, the header is left out."""

    def __init__(self) -> None:
        self.value: datetime | None = None
        self.read_at = -1.0
        self.lock = asyncio.Lock()

    async def get(self, scope: Scope) -> datetime | None:
        maker = scope.get("state", {}).get("sessionmaker")
        if maker is None or time.monotonic() - self.read_at <= 1.0 or self.lock.locked():
            return self.value
        async with self.lock:
            # On failure the request itself reports the outage; Last-Modified is optional.
            with contextlib.suppress(SQLAlchemyError):
                self.value = await anyio.to_thread.run_sync(_latest_revision, maker)
            self.read_at = time.monotonic()
        return self.value


def _latest_revision(maker: sessionmaker[Session]) -> datetime | None:
    with maker() as session:
        return session.scalar(select(func.max(Revision.created_at)))


class HTTPCacheMiddleware:
    def __init__(self, app: ASGIApp, cache_control: str, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.cache_control = cache_control
        self.prefixes = prefixes
        self.last_change = LastChange()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(self.prefixes)
        ):
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
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
                elif "etag" in headers:  # a stream that computed its own ETag
                    passthrough = True
                    await self._decorate(headers, scope)
                    if await self._not_modified(request_headers, headers["etag"], scope):
                        await self._send_304(send, message)
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
            await self._decorate(headers, scope)
            if await self._not_modified(request_headers, etag, scope):
                await self._send_304(send, start)
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, cached_send)

    async def _decorate(self, headers: MutableHeaders, scope: Scope) -> None:
        headers["cache-control"] = self.cache_control
        changed = await self.last_change.get(scope)
        if changed is not None:
            headers["last-modified"] = format_datetime(changed.astimezone(UTC), usegmt=True)
        vary = {v.strip() for v in headers.get("vary", "").split(",") if v.strip()}
        headers["vary"] = ", ".join(sorted(vary | {"Accept"}))

    async def _not_modified(self, request: Headers, etag: str, scope: Scope) -> bool:
        if "if-none-match" in request:
            return etag_matches(request["if-none-match"], etag)
        since, changed = request.get("if-modified-since"), await self.last_change.get(scope)
        if since and changed is not None:
            try:
                # Strictly earlier: Last-Modified has whole seconds, so a change later in the
                # same second as the client's copy must not be answered with 304.
                return changed.replace(microsecond=0) < parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    async def _send_304(self, send: Send, start: Message) -> None:
        keep = {
            b"etag",
            b"cache-control",
            b"last-modified",
            b"vary",
            b"link",
            b"access-control-allow-origin",
            b"access-control-expose-headers",
        }
        headers = [(k, v) for k, v in start["headers"] if k.lower() in keep]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
