"""/docs, /redoc and / in a real headless Chromium (Debian's ``chromium``, driven by Playwright)
against a real server, with every request to another host aborted: the pages must render from
this server alone, try no other host, and break no rule of their Content-Security-Policy.

The browser reaches the server as ``http://desertion.test:PORT`` (mapped to 127.0.0.1 by a
resolver rule), as it would a deployment, not as localhost, which the bundles may treat as
special (Swagger UI's validator badge checks for it). A missing /usr/bin/chromium fails the
tests rather than skipping them; .ci/run installs Debian's package."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

from bench.server import serve
from tests.conftest import Databases

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
HOST = "desertion.test"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
]
# Every Content-Security-Policy violation of a page, as the page itself sees it (an init script
# runs before the page's own and is not subject to its policy).
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation",
    (event) => window.violations.push([event.effectiveDirective, event.blockedURI]));
"""
# ReDoc's side menu always shows Redocly's logo, an <img> on their CDN, with no option to leave
# it out: the policy refuses it before any request is made (the menu then shows its text
# alone). It is the one refusal expected; any other a page meets fails the tests.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
TIMEOUT_MS = 60_000  # a generous bound on a loaded two-core machine; a pass takes seconds


@dataclass
class Site:
    base: str  # http://desertion.test:PORT, as the browser reaches the server
    schema: dict[str, Any]


@dataclass
class Visit:
    """One page load and what it tried: requests to other origins, console and page errors."""

    page: Page
    foreign: list[str] = field(default_factory=list)  # requests to another origin (aborted)
    errors: list[str] = field(default_factory=list)  # console errors, uncaught exceptions

    def violations(self, expected: int = 0) -> list[tuple[str, str]]:
        """The policy's refusals so far, once there are at least ``expected`` of them."""
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_function("n => window.violations.length >= n", arg=expected)
        return [tuple(v) for v in self.page.evaluate("window.violations")]


@pytest.fixture(scope="module")
def site(databases: Databases, seeded_template: str) -> Iterator[Site]:
    url = databases.new(template=seeded_template)
    with serve(url) as server:
        port = urlsplit(server.base).port
        yield Site(f"http://{HOST}:{port}", httpx.get(f"{server.base}/openapi.json").json())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():  # fail, never skip: CI (.ci/run) installs it
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=FLAGS, headless=True
        )
        yield chromium
        chromium.close()


def visit(browser: Browser, site: Site, path: str, expected: str = "") -> Iterator[Visit]:
    """Loads ``path`` with every other origin aborted; a console line about the ``expected``
    refusal is not an error (the refusal itself is checked)."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    seen = Visit(page)
    origin = urlsplit(site.base)[:2]

    def only_this_server(route: Route) -> None:
        if urlsplit(route.request.url)[:2] == origin:
            route.continue_()
        else:  # another host, or any other scheme the browser would fetch
            seen.foreign.append(route.request.url)
            route.abort()

    def on_console(message: ConsoleMessage) -> None:
        about_csp = "Content Security Policy" in message.text
        if about_csp and expected and f"'{expected}'" in message.text:
            return
        if message.type == "error" or about_csp:
            seen.errors.append(message.text)

    page.route("**/*", only_this_server)
    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.goto(site.base + path)
    try:
        yield seen
    finally:
        context.close()


@pytest.fixture
def docs(browser: Browser, site: Site) -> Iterator[Visit]:
    yield from visit(browser, site, "/docs")


@pytest.fixture
def redoc(browser: Browser, site: Site) -> Iterator[Visit]:
    yield from visit(browser, site, "/redoc", expected=REDOC_LOGO)


@pytest.fixture
def landing(browser: Browser, site: Site) -> Iterator[Visit]:
    yield from visit(browser, site, "/")


def operations(schema: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """operationId -> (METHOD, path, summary) of every operation in the schema."""
    return {
        operation["operationId"]: (method.upper(), path, operation["summary"])
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def test_swagger_ui_renders_every_operation(docs: Visit, site: Site) -> None:
    expected = operations(site.schema)
    assert len(expected) > 20
    blocks = docs.page.locator(".opblock")
    blocks.nth(len(expected) - 1).wait_for()
    rendered = [
        (
            block.locator(".opblock-summary-method").inner_text(),
            block.locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for block in blocks.all()
    ]
    assert sorted(rendered) == sorted((method, path) for method, path, _ in expected.values())
    assert docs.violations() == []
    assert docs.foreign == []
    assert docs.errors == []


def test_redoc_renders_every_operation(redoc: Visit, site: Site) -> None:
    expected = operations(site.schema)
    sections = redoc.page.locator("[data-section-id^='operation/']")
    sections.nth(len(expected) - 1).wait_for(state="attached")
    assert sections.count() == len(expected)
    for operation_id, (_, _, summary) in expected.items():
        heading = redoc.page.locator(f"[data-section-id='operation/{operation_id}'] h2")
        assert heading.inner_text().strip() == summary, operation_id
    assert redoc.violations(expected=1) == [("img-src", REDOC_LOGO)]
    assert redoc.foreign == []
    assert redoc.errors == []


def test_the_landing_page_links_the_docs_schema_and_data_package(
    landing: Visit, site: Site
) -> None:
    page = landing.page
    for path in ("/docs", "/redoc", "/openapi.json", "/v1/export"):
        link = page.locator(f"a[href='{path}']")
        assert link.count() == 1, path
        assert link.is_visible()
    examples = page.locator("pre").inner_text().splitlines()
    assert len(examples) >= 3
    assert all(line.startswith("curl ") for line in examples)
    assert landing.violations() == []
    page.locator("a[href='/docs']").click()
    page.locator(".opblock").first.wait_for()
    assert page.url == site.base + "/docs"
    assert landing.violations() == []  # of /docs, now
    assert landing.foreign == []
    assert landing.errors == []
