"""The HTML pages: a landing page at ``/`` (which links /explore, ``routes/explore.py``),
Swagger UI at ``/docs`` and ReDoc at ``/redoc``.

The docs pages load Swagger UI's and ReDoc's built bundles from this server, under
``/docs-assets``, served straight from the installed ``fastapi-offline`` package (which ships the
released swagger-ui-dist and ReDoc standalone files), so they work without internet access and
load nothing from another host: their Content-Security-Policy (app/security_headers.py) names
no host but this one. None of the pages is part of the OpenAPI schema.
"""

from __future__ import annotations

import shlex
from html import escape

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from app.links import root_path

ASSETS_URL = "/docs-assets"
ASSETS_PACKAGE = ("fastapi_offline", "static")
SWAGGER_JS, SWAGGER_CSS = "swagger-ui-bundle.js", "swagger-ui.css"
REDOC_JS, FAVICON = "redoc.standalone.js", "favicon.png"

router = APIRouter(include_in_schema=False)


def assets() -> StaticFiles:
    """The docs' scripts, stylesheet and icon, read from the installed package's directory."""
    return StaticFiles(packages=[ASSETS_PACKAGE])


def _asset(request: Request, name: str) -> str:
    return f"{root_path(request)}{ASSETS_URL}/{name}"


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI on /openapi.json, from the local assets."""
    return get_swagger_ui_html(
        openapi_url=f"{root_path(request)}{request.app.openapi_url}",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=_asset(request, SWAGGER_JS),
        swagger_css_url=_asset(request, SWAGGER_CSS),
        swagger_favicon_url=_asset(request, FAVICON),
        oauth2_redirect_url=None,  # the API has no authentication
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc on /openapi.json, from the local assets (system fonts, not Google's)."""
    return get_redoc_html(
        openapi_url=f"{root_path(request)}{request.app.openapi_url}",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=_asset(request, REDOC_JS),
        redoc_favicon_url=_asset(request, FAVICON),
        with_google_fonts=False,
    )


# (curl options, path): requests from the README's examples, shown with the public URL.
EXAMPLES = (
    ("", "/v1/sentences?from=2024-01&to=2024-12&measure=sentences"),
    ("", "/v1/risks/dagens-buryatia-vs-moscow-death-likelihood"),
    ("", "/v1/claims?speaker=grigory-sverdlin&claim_kind=statistic"),
    ("", "/v1/regions/RU-BU"),
    ("", "/v1/sentences/mediazona-2024-03-sentences-337/cite"),
    ("-o desertion.zip ", "/v1/export"),
)

LANDING = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{favicon}">
</head>
<body>
<main>
<h1>{title}</h1>
<p>A public, read-only REST API of figures about desertion from the Russian army, drawn from
news reporting, where every number can be traced to the sentence of the article that states it.
Each record carries its evidence (the article's URL, title, publisher, authors and date, and the
verbatim quote) and a citation a journalist can paste.</p>
<p>Figures that other sources contradict are kept, flagged <code>uncertain</code> with the
reason; every contradiction is listed, both sides with their sources, at
<a href="{root}/v1/disputes">/v1/disputes</a>.</p>

<h2>Explore</h2>
<p><a href="{root}/explore">Explore the figures</a>: the monthly series as a chart, regional
risk multipliers, the disputes and the claims, each figure with its quote, its source and a
citation to copy.</p>

<h2>Documentation</h2>
<ul>
<li><a href="{root}/docs">/docs</a>: interactive documentation (Swagger UI), to try every
operation</li>
<li><a href="{root}/redoc">/redoc</a>: the reference (ReDoc)</li>
<li><a href="{root}/openapi.json">/openapi.json</a>: the OpenAPI schema, to generate a
client</li>
</ul>

<h2>Examples</h2>
<pre><code>{examples}</code></pre>

<h2>The data package</h2>
<p><a href="{root}/v1/export">/v1/export</a>: the whole dataset as a zipped Frictionless data
package, one CSV per table and a <code>datapackage.json</code> describing every field, unit and
key, with each file's sha256.</p>
</main>
</body>
</html>
"""


def curl_examples(public_url: str) -> list[str]:
    """The examples as shell commands on ``public_url`` (quoted only where the shell needs it,
    as in the README)."""
    return [f"curl {options}{shlex.quote(public_url + path)}" for options, path in EXAMPLES]


@router.get("/", response_class=HTMLResponse)
def landing(request: Request) -> HTMLResponse:
    """What the API is, where its docs are, a few requests to start with."""
    root = escape(root_path(request))
    examples = curl_examples(request.app.state.settings.public_url)
    return HTMLResponse(
        LANDING.format(
            title=escape(request.app.title),
            favicon=escape(_asset(request, FAVICON)),
            root=root,
            examples=escape("\n".join(examples)),
        )
    )
