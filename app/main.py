"""The application factory: engine and sessions in the lifespan, routers under /v1, one error
shape, strict query strings."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from sqlalchemy.orm import sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings, get_settings
from app.db import EngineLimits, make_engine
from app.deps import reject_unknown_query_params
from app.errors import add_problem_schema, register_error_handlers
from app.export_cache import ExportCache, ExportCacheMiddleware, folder_for
from app.facets import FacetCache
from app.guard import GuardLimits, RequestGuard
from app.hit_path import HitPathMiddleware
from app.http_cache import CacheHitMiddleware, HTTPCacheMiddleware, ReadCache
from app.logs import RequestIdMiddleware
from app.metrics import Metrics, MetricsMiddleware
from app.routes import api_router
from app.routes.explore import STATIC_URL, static_files
from app.routes.explore import router as explore_router
from app.routes.health import router as health_router
from app.routes.metrics import router as metrics_router
from app.routes.pages import ASSETS_URL, assets
from app.routes.pages import router as pages_router
from app.security_headers import SecurityHeadersMiddleware

DESCRIPTION = """
Figures about desertion from the Russian army, drawn from news reporting. Every record carries
its evidence: the article (URL, title, publisher, authors, date) and the verbatim quote that
supports it, plus a ready-to-paste citation.

* **sentences**: court statistics (cases received, sentences, convictions) by period;
* **risks**: regional risk multipliers and regional rates;
* **claims**: sourced statements, with their speaker;
* **articles** and **regions** (ISO 3166-2:RU).

Lists return `{"data": [...], "next": <url or null>}` with a `Link: <...>; rel="next"` header and
keyset cursors. Errors are RFC 9457 `application/problem+json`. Unknown query parameters are
refused with 400, so a typo never silently returns everything.
"""


# Headers a browser script may read: paging, caching, downloads, and the standard rate-limit
# headers (RateLimit-*, Retry-After) that a proxy in front of the API may add.
EXPOSED_HEADERS = [
    "Link",
    "ETag",
    "Last-Modified",
    "Content-Disposition",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "Retry-After",
    "X-Request-ID",
]


class HeadMiddleware:
    """HEAD is GET without the body (RFC 9110 9.3.2): same status and headers, ETag included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app(dict(scope, method="GET"), receive, headers_only)


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def engine_limits(settings: Settings) -> EngineLimits:
    return EngineLimits(
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        connect_timeout=settings.db_connect_timeout,
        statement_timeout=settings.db_statement_timeout,
        must_exist=True,
    )


def guard_limits(settings: Settings) -> GuardLimits:
    return GuardLimits(
        # One request holds at most one connection at a time, so admitting as many requests as
        # the pool can lend means no admitted request waits on the pool for long.
        capacity=settings.db_pool_size + settings.db_max_overflow,
        queue_timeout=settings.queue_timeout,
        stall_timeout=settings.stall_timeout,
        retry_after=settings.retry_after,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        engine = make_engine(settings.database_url, engine_limits(settings))
        app.state.engine = engine  # read by the pool gauges of /metrics
        # What startup built (modules, routes, schemas, mappers) lives as long as the process:
        # frozen, the cyclic collector no longer walks it on every full collection. An export
        # allocates several containers per row and triggers a full collection every few
        # thousand rows: at 100k sentences the collector's share of a CSV export fell from
        # 1.53 s to 0.67 s of CPU (of about 6.5 s).
        gc.freeze()  # O(1): startup's objects move to the permanent generation
        yield {"sessionmaker": sessionmaker(engine, expire_on_commit=False)}
        engine.dispose()

    app = FastAPI(
        title="desertion-api",
        version="0.2.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        dependencies=[Depends(reject_unknown_query_params)],
        docs_url=None,  # /docs and /redoc are app/routes/pages.py's, on local assets
        redoc_url=None,
    )
    app.state.settings = settings
    build_openapi = app.openapi
    app.openapi = lambda: add_problem_schema(build_openapi())  # type: ignore[method-assign]
    app.state.metrics = metrics = Metrics(app.state)
    app.state.facet_cache = FacetCache(settings.facet_cache_entries)
    cache = ReadCache(
        settings.cache_control,
        settings.response_cache_bytes,
        f"{app.version} {settings.public_url}",
    )
    # /explore reads the database like the API: cached and guarded the same way.
    pages = ("/v1", "/explore")
    if settings.export_cache_bytes > 0:  # inside the cache: it reads the version, adds the ETag
        app.state.export_cache = exports = ExportCache(
            folder_for(settings.export_cache_dir, settings.database_url),
            settings.export_cache_bytes,
            cache.salt,
        )
        app.add_middleware(ExportCacheMiddleware, cache=exports)
    app.add_middleware(HTTPCacheMiddleware, cache=cache, prefixes=pages)
    app.add_middleware(RequestGuard, limits=guard_limits(settings), prefixes=(*pages, "/readyz"))
    app.add_middleware(CacheHitMiddleware, cache=cache, prefixes=pages)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(HeadMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["Accept", "If-None-Match", "If-Modified-Since", "X-Request-ID"],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )
    app.add_middleware(RequestIdMiddleware)  # every response and log line has the id
    # Outermost: a cache hit whose headers it has seen leaves here, id, log line and metrics kept.
    app.add_middleware(HitPathMiddleware, cache=cache, metrics=metrics, prefixes=pages)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(pages_router)
    app.include_router(explore_router)
    app.mount(ASSETS_URL, assets(), name="docs-assets")
    app.mount(STATIC_URL, static_files(), name="static")
    app.include_router(api_router, prefix="/v1")
    register_error_handlers(app)
    return app


app = create_app()
