"""Basic security headers on every response, and a strict Content-Security-Policy.

The API serves data (JSON, CSV, NDJSON), which a browser should never render as a page, run as a
script or frame: every response gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options:
DENY``, ``Referrer-Policy: no-referrer`` (no page of ours needs to tell another site where a
reader came from) and ``Content-Security-Policy: default-src 'none'; frame-ancestors 'none'``.

An SVG chart (``image/svg+xml``) is the exception: made to be embedded in other sites, it gets
``default-src 'none'`` and no ``X-Frame-Options``, so it may be framed.

The HTML pages (/, /docs, /redoc, /explore) load their scripts, stylesheets and icons from this
server (Swagger UI and ReDoc from /docs-assets, app/routes/pages.py; /explore's from /static),
so their policy names no other host: ``'self'`` (``form-action 'self'`` for /explore's GET
form), plus each inline ``<script>`` block by sha256 hash, computed from the body being sent,
so no ``'unsafe-inline'`` for scripts. Styles do need ``'unsafe-inline'``: Swagger UI sets
inline styles and ReDoc injects ``<style>`` elements at run time (neither can run code). Swagger
UI draws its icons from ``data:`` SVGs; ReDoc runs its search in a Web Worker built from a
``blob:`` URL.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
# An SVG chart is made to be embedded in another site's page. As <img> it is a picture; as
# <object> or <iframe> its links to the sources work, which needs framing by any site: it has
# no script and no form, so there is nothing to trick a reader into doing in it.
EMBEDDABLE = {"image/svg+xml": "default-src 'none'"}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

# Sources per directive besides the inline scripts' hashes: this server, and no other host.
STYLES = ("'self'", "'unsafe-inline'")
IMAGES = ("'self'", "data:")

INLINE_SCRIPT = re.compile(
    rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE
)


def script_hashes(html: bytes) -> list[str]:
    """The CSP hash source (``'sha256-...'``) of each inline script in ``html``."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    ]


def html_policy(html: bytes) -> str:
    def directive(name: str, sources: Iterable[str]) -> str:
        return " ".join([name, *sources])

    return "; ".join(
        [
            "default-src 'none'",
            directive("script-src", ["'self'", *dict.fromkeys(script_hashes(html))]),
            directive("style-src", STYLES),
            directive("img-src", IMAGES),
            "connect-src 'self'",  # the page fetches /openapi.json
            "worker-src blob:",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",  # /explore's GET form
        ]
    )


class SecurityHeadersMiddleware:
    """Adds the headers above (never replacing one a route set); an HTML body is buffered to
    hash its scripts (the pages are a few kilobytes at most)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def secured_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                media_type = headers.get("content-type", "").split(";")[0]
                for name, value in HEADERS.items():
                    if not (media_type in EMBEDDABLE and name == "X-Frame-Options"):
                        headers.setdefault(name, value)
                if media_type != "text/html":
                    policy = EMBEDDABLE.get(media_type, DATA_POLICY)
                    headers.setdefault("Content-Security-Policy", policy)
                    await send(message)
                else:
                    start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            MutableHeaders(scope=start).setdefault("Content-Security-Policy", html_policy(body))
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, secured_send)
