"""What the browser tests share: a real server, Debian's headless chromium (driven by
Playwright) that reaches it as ``http://desertion.test:PORT``, and page visits in which every
request to another origin is aborted and recorded, with console errors, uncaught exceptions
and Content-Security-Policy violations.

The browser reaches the server by a name, as it would a deployment, not as localhost, which
pages may treat as special (Swagger UI's validator badge checks for it). A missing
/usr/bin/chromium fails the tests rather than skipping them; .ci/run installs Debian's
package."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Route

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

    def assert_clean(self) -> None:
        """Nothing refused by the policy, nothing asked of another host, no error."""
        assert self.violations() == []
        assert self.foreign == []
        assert self.errors == []


def launch(playwright: Playwright, flags: list[str] | None = None) -> Browser:
    if not CHROMIUM.exists():  # fail, never skip: CI (.ci/run) installs it
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*FLAGS, *(flags or [])], headless=True
    )


def watch(context: BrowserContext, site: Site, expected: str = "") -> Visit:
    """A new page of ``context`` with every other origin aborted and recorded, and console
    errors recorded; a console line about the ``expected`` refusal is not an error (the
    refusal itself is checked)."""
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
    return seen


def visit(browser: Browser, site: Site, path: str, expected: str = "") -> Iterator[Visit]:
    """Loads ``path`` in a fresh context (see ``watch``)."""
    context = browser.new_context()
    seen = watch(context, site, expected)
    seen.page.goto(site.base + path)
    try:
        yield seen
    finally:
        context.close()
