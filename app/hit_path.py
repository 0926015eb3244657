"""The hit path: a repeated read answered from the response cache by the outermost middleware,
as cheaply as the framework's hello world, with the same headers the whole stack would send.

A hit that went through every middleware (request id, CORS, HEAD, metrics, security headers)
cost more in them than in the cache itself: each wraps ``send``, parses the request's headers
and edits the response's. This layer answers a hit before all of them, and keeps what each does:

* **Headers.** They are not recomputed here, so they cannot drift from the middlewares'. The
  first time the stack answers a request with a cache entry (``app.http_cache.ENTRY_KEY``), this
  layer records the headers as they leave the stack, under the request's ``Origin`` (the one
  request header the middlewares outside the cache read: CORS) and the status (200, or 304 for a
  conditional GET that matches). A later request for that entry, Origin and status gets them
  replayed; any other goes through the stack as before, and is recorded. The records live and
  die with their entry, so a new data version drops them.
* **Request id.** Echoed or generated as ``app.logs`` does, set for the log records, and sent.
* **Access line and metrics.** The same line (``app.logs.log_access``), and the request counted
  and timed under the route that rendered the entry, with the in-flight gauge.
* **HEAD** gets the GET's headers and no body (``app.main.HeadMiddleware``).

Admission control (``app.guard``) was already skipped by hits (``CacheHitMiddleware``). A hit is
answered here only when the data version is known without the database (SQLite's probe), like
there: on PostgreSQL every read asks the database for its version first.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http_cache import ENTRY_KEY, Cached, Final, ReadCache, RequestKey, Variant
from app.logs import HEADER, REQUEST_ID, log_access, request_id_for
from app.metrics import Metrics, route_template

REQUEST_ID_HEADER = HEADER.lower()
RESPONSE_ID = REQUEST_ID_HEADER.encode()
# The request headers a hit depends on: the cache key (Accept), the conditional ones, CORS
# (Origin) and the request id.
READ = frozenset({b"accept", b"origin", b"if-none-match", b"if-modified-since", RESPONSE_ID})


def _read(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The headers of ``READ`` in one pass, the first of each, as ``Headers.get`` returns."""
    found: dict[str, str] = {}
    for name, value in raw:
        if name in READ:
            found.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return found


class HitPathMiddleware:
    """Answers a cache hit whose final headers are known; records them otherwise."""

    def __init__(
        self, app: ASGIApp, cache: ReadCache, metrics: Metrics, prefixes: tuple[str, ...]
    ) -> None:
        self.app = app
        self.cache = cache
        self.metrics = metrics
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(self.prefixes)
        ):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = _read(scope["headers"])
        key: RequestKey = (
            scope.get("root_path", ""),
            scope["path"],
            scope.get("query_string", b""),
            request.get("accept", ""),
        )
        origin = request.get("origin")
        version = self.cache.versions.known(scope)
        entry = self.cache.responses.get(key, version) if version is not None else None
        if entry is not None:
            status = 304 if self.cache.not_modified(request, entry.etag, version) else 200
            final = entry.finals.get((origin, status))
            if final is not None and (status == 304 or entry.body is not None):
                await self._replay(scope, send, request, entry, final, status, started)
                return
        if scope["method"] != "GET":  # a HEAD's scope is copied inside: nothing to record
            await self.app(scope, receive, send)
            return

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._record(scope, key, origin, message)
            await send(message)

        await self.app(scope, receive, recording_send)

    def _record(self, scope: Scope, key: RequestKey, origin: str | None, start: Message) -> None:
        entry: Cached | None = scope.get(ENTRY_KEY)
        status = start["status"]
        if entry is None or status not in (200, 304):
            return
        headers = [(k, v) for k, v in start["headers"] if k != RESPONSE_ID]
        variant: Variant = (origin, status)
        self.cache.responses.remember(key, entry, variant, Final(headers, route_template(scope)))

    async def _replay(
        self,
        scope: Scope,
        send: Send,
        request: Mapping[str, str],
        entry: Cached,
        final: Final,
        status: int,
        started: float,
    ) -> None:
        request_id = request_id_for(request.get(REQUEST_ID_HEADER))
        token = REQUEST_ID.set(request_id)
        self.metrics.in_flight.inc()
        try:
            headers = [*final.headers, (RESPONSE_ID, request_id.encode("latin-1"))]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            body = entry.body if status == 200 and scope["method"] == "GET" else b""
            await send({"type": "http.response.body", "body": body or b""})
        finally:
            self.metrics.in_flight.dec()
            self.metrics.observe(final.route, status, time.perf_counter() - started)
            log_access(scope["method"], scope["path"], status, started)
            REQUEST_ID.reset(token)
