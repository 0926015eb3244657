"""/docs, /redoc and / in a real headless Chromium (Debian's ``chromium``, driven by Playwright)
against a real server, with every request to another host aborted: the pages must render from
this server alone, try no other host, and break no rule of their Content-Security-Policy.

The browser, the server and the watched visits are ``tests/browser.py``'s (shared with
``test_browser_explore.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from bench.server import serve
from tests.browser import HOST, Site, Visit, launch, visit
from tests.conftest import Databases

pytestmark = pytest.mark.browser

# ReDoc's side menu always shows Redocly's logo, an <img> on their CDN, with no option to leave
# it out: the policy refuses it before any request is made (the menu then shows its text
# alone). It is the one refusal expected; any other a page meets fails the tests.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def site(databases: Databases, seeded_template: str) -> Iterator[Site]:
    url = databases.new(template=seeded_template)
    with serve(url) as server:
        port = urlsplit(server.base).port
        yield Site(f"http://{HOST}:{port}", httpx.get(f"{server.base}/openapi.json").json())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


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
    for path in ("/explore", "/docs", "/redoc", "/openapi.json", "/v1/export"):
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
