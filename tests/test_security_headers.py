"""Security headers on every response; on the HTML pages a CSP that names no host but this
server, whose pages load every script, stylesheet and icon from it, and the sha256 of each of
their inline scripts (so no 'unsafe-inline' for scripts)."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.security_headers import script_hashes

BASIC = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


class Page(HTMLParser):
    """The inline scripts and the external scripts, stylesheets and icons of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.icons: list[str] = []
        self._in_inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.scripts.append(attributes["src"] or "")
            else:
                self._in_inline = True
                self.inline.append("")
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.styles.append(attributes["href"] or "")
        elif tag == "link" and "icon" in (attributes.get("rel") or ""):
            self.icons.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline = False

    def handle_data(self, data: str) -> None:
        if self._in_inline:
            self.inline[-1] += data


def policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/regions",
        "/v1/regions.csv",
        "/v1/regions/RU-BU",
        "/v1/nowhere",
        "/healthz",
        "/openapi.json",
        "/docs",
        "/redoc",
        "/",
        "/docs-assets/swagger-ui-bundle.js",
        "/explore",
        "/static/explore.js",
    ],
)
def test_every_response_has_the_basic_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    for name, value in BASIC.items():
        assert response.headers[name] == value


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/regions", 200),
        ("/v1/regions.csv", 200),
        ("/v1/nowhere", 404),
        ("/openapi.json", 200),
        ("/docs-assets/swagger-ui-bundle.js", 200),
    ],
)
def test_data_responses_may_load_nothing_and_never_be_framed(
    client: TestClient, path: str, status: int
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-security-policy"] == DATA_POLICY


def test_a_304_keeps_the_headers(client: TestClient) -> None:
    etag = client.get("/v1/regions").headers["etag"]
    response = client.get("/v1/regions", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["x-content-type-options"] == "nosniff"


# The only sources an HTML page's policy may name: this server, keywords, inline scripts' hashes,
# and the schemes the docs need (Swagger UI's data: SVG icons, ReDoc's blob: search worker).
KEYWORDS = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
HTML_PAGES = ["/docs", "/redoc", "/", "/explore"]


def same_origin(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and url.startswith("/")


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_name_no_other_host(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["content-type"].startswith("text/html")
    csp = policy(response.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]  # /explore's GET form sends to this server
    assert csp["connect-src"] == ["'self'"]
    for name, sources in csp.items():
        for source in sources:
            assert source in KEYWORDS or source.startswith("'sha256-"), (name, source)
    assert csp["script-src"][0] == "'self'"
    assert all(source.startswith("'sha256-") for source in csp["script-src"][1:])


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sentences/series.svg?measure=sentences",
        "/v1/risks/multipliers.svg?reference=RU-MOW",
    ],
)
def test_svg_charts_load_nothing_and_may_be_framed_to_be_embedded(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-security-policy"] == "default-src 'none'"
    assert "x-frame-options" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_file_a_page_loads_is_from_this_server(client: TestClient, path: str) -> None:
    page = Page()
    page.feed(client.get(path).text)
    assert page.icons
    if path != "/":
        assert page.scripts
    if path == "/explore":
        assert page.styles
    for url in [*page.scripts, *page.styles, *page.icons]:
        assert same_origin(url), url
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_inline_script_has_its_hash_in_the_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    csp = policy(response.headers["content-security-policy"])
    page = Page()
    page.feed(response.text)
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in page.inline
    }
    assert {h for h in csp["script-src"] if h.startswith("'sha256-")} == hashes
    if path == "/docs":
        assert len(hashes) == 1  # Swagger UI's start-up script


def test_script_hashes_skip_external_scripts() -> None:
    html = b'<script src="https://x/a.js"> </script><SCRIPT type="module">go()</SCRIPT>'
    digest = base64.b64encode(hashlib.sha256(b"go()").digest()).decode()
    assert script_hashes(html) == [f"'sha256-{digest}'"]


def test_head_on_the_docs_gets_the_same_policy(client: TestClient) -> None:
    get, head = client.get("/docs"), client.head("/docs")
    assert head.content == b""
    assert head.headers["content-security-policy"] == get.headers["content-security-policy"]
