"""Prometheus metrics (prometheus-client): requests and latency by route and status, requests in
flight, and the database connection pool, read when Prometheus scrapes.

Routes are labelled by their template (``/v1/sentences/{sentence_id}``), never by the raw path, so
a crawler requesting a million ids adds no time series; a path no route matches is
``unmatched``. Every app has its own registry (not prometheus-client's global one), so several
apps in one process (the tests) never collide. With several worker processes each reports its
own figures; Prometheus sums them per instance.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
# A route template already known, for a response whose route never ran: an export sent from the
# export cache (app.export_cache), which recorded its template when it was first rendered.
ROUTE_TEMPLATE = "desertion.route_template"


class PoolCollector(Collector):
    """The connection pool of the engine in ``state.engine`` (set by the lifespan), read at
    scrape time: no database round trip, only the pool's counters."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        engine: Engine | None = getattr(self.state, "engine", None)
        if engine is None or not isinstance(engine.pool, QueuePool):
            return
        pool = engine.pool
        figures = {
            "size": ("Connections the pool keeps open.", pool.size()),
            "checked_out": ("Connections in use by a request now.", pool.checkedout()),
            "checked_in": ("Open connections idle in the pool.", pool.checkedin()),
            # SQLAlchemy counts overflow from -size; only connections beyond the size matter.
            "overflow": ("Connections open beyond the pool size.", max(pool.overflow(), 0)),
        }
        for name, (documentation, value) in figures.items():
            yield GaugeMetricFamily(f"desertion_db_pool_{name}", documentation, value=value)


class ExportCacheCollector(Collector):
    """The export cache's counters (``state.export_cache``, absent when it is off): exports
    answered from a file, and files kept."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        cache = getattr(self.state, "export_cache", None)
        if cache is None:
            return
        yield CounterMetricFamily(
            "desertion_export_cache_hits", "Exports sent from the export cache.", cache.hits
        )
        yield CounterMetricFamily(
            "desertion_export_cache_stored", "Exports kept in the export cache.", cache.stored
        )


class Metrics:
    """The registry of one app and its instruments."""

    def __init__(self, state: Any) -> None:
        self.registry = CollectorRegistry()
        labels = ["route", "status"]
        self.requests = Counter(
            "desertion_http_requests", "HTTP requests answered.", labels, registry=self.registry
        )
        self.latency = Histogram(
            "desertion_http_request_duration_seconds",
            "Time from request to the last byte of the response.",
            labels,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "desertion_http_requests_in_flight",
            "Requests being served now.",
            registry=self.registry,
        )
        self.registry.register(PoolCollector(state))
        self.registry.register(ExportCacheCollector(state))
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Counts and times one answered request. The labelled children are kept per (route,
        status), so a request pays no label lookup (a lock and a tuple each), which is a good
        part of what a cache hit costs."""
        children = self._children.get((route, status))
        if children is None:
            labels = (route, str(status))
            children = self.requests.labels(*labels), self.latency.labels(*labels)
            self._children[(route, status)] = children
        children[0].inc()
        children[1].observe(seconds)


def route_template(scope: Scope) -> str:
    """The path template of the route that served ``scope``, from the ``route`` the router put
    in it. A route of a router included with a prefix knows only its own part
    (``/regions/{code}``) and matches the end of the path; the rest is the prefix (``/v1``).
    The router names no route for a mounted app (the docs' files), but the mount adds its path
    to ``root_path``: such a request is ``/docs-assets/{path}``."""
    if ROUTE_TEMPLATE in scope:
        return str(scope[ROUTE_TEMPLATE])
    route = scope.get("route")
    template, pattern = getattr(route, "path", None), getattr(route, "path_regex", None)
    if template is None or pattern is None:
        mount = str(scope.get("root_path", ""))[len(str(scope.get("app_root_path", ""))) :]
        return f"{mount}/{{path}}" if mount else UNMATCHED
    path: str = scope["path"]
    for start, char in enumerate(path):
        if char == "/" and pattern.match(path[start:]):
            return path[:start] + str(template)
    return str(template)


class MetricsMiddleware:
    """Counts and times each request. It sits inside HeadMiddleware (which copies the scope), so
    it sees the scope the router writes ``route`` into; a HEAD is counted as the GET it is."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def counted_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, counted_send)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.observe(route_template(scope), status, time.perf_counter() - started)
