"""Security headers on every response; on the HTML docs pages a CSP that names exactly what they
load and the sha256 of each of their inline scripts (so no 'unsafe-inline' for scripts)."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

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
    ],
)
def test_every_response_has_the_basic_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    for name, value in BASIC.items():
        assert response.headers[name] == value


@pytest.mark.parametrize(
    ("path", "status"),
    [("/v1/regions", 200), ("/v1/regions.csv", 200), ("/v1/nowhere", 404), ("/openapi.json", 200)],
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


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_allow_exactly_what_they_load(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["content-type"].startswith("text/html")
    csp = policy(response.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'none'"]
    assert csp["connect-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert not {"*", "https:", "http:", "data:", "blob:"} & set(csp["script-src"])
    page = Page()
    page.feed(response.text)
    assert page.scripts
    for src in page.scripts:
        assert src in csp["script-src"]
    for href in page.styles:
        assert any(href.startswith(source) for source in csp["style-src"]), href
    for href in page.icons:
        assert href in csp["img-src"]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
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
