"""/explore in a real headless Chromium against a real server (``tests/browser.py``), with every
request to another host aborted and recorded as a failure: the chart has the API's points,
a point opens its quote and article, "Copy citation" copies the API's citation, the keyboard
reaches every control with a visible focus, every text has WCAG AA contrast, and a journalist
goes from / to a citation of the March 2024 figure under Art. 337 without touching JSON.

Every expected value comes from the API (the series JSON for the same parameters, the record
itself), never from today's seed. The clipboard API needs a secure context, which plain http
on a name is not: the browser is told to treat this test server's origin as one (as a
deployment behind https is), and the context is granted clipboard access."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, sync_playwright

from app.config import PROJECT_ROOT
from bench.server import serve
from tests.browser import HOST, Site, Visit, launch, watch
from tests.conftest import Databases

pytestmark = pytest.mark.browser

DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOT_DIR", PROJECT_ROOT / "test-artifacts" / "screenshots")
)
# Everything a keyboard user may need to reach.
CONTROLS = "a[href], button, select, input, textarea, summary, [tabindex]:not([tabindex='-1'])"


@pytest.fixture(scope="module")
def api(databases: Databases, seeded_template: str) -> Iterator[tuple[Site, str]]:
    """The site as the browser reaches it, and the server's loopback URL for the API reads."""
    url = databases.new(template=seeded_template)
    with serve(url) as server:
        port = urlsplit(server.base).port
        yield Site(f"http://{HOST}:{port}", {}), server.base


@pytest.fixture(scope="module")
def site(api: tuple[Site, str]) -> Site:
    return api[0]


def get(api: tuple[Site, str], path: str, **params: str) -> Any:
    response = httpx.get(api[1] + path, params=params)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Browser]:
    secure = f"--unsafely-treat-insecure-origin-as-secure={site.base}"
    with sync_playwright() as playwright:
        chromium = launch(playwright, [secure])
        yield chromium
        chromium.close()


def explore(
    browser: Browser, site: Site, query: str = "", size: ViewportSize = DESKTOP
) -> Iterator[Visit]:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], viewport=size)
    seen = watch(context, site)
    seen.page.goto(f"{site.base}/explore{query}")
    try:
        yield seen
    finally:
        context.close()


@pytest.fixture
def page_visit(browser: Browser, site: Site) -> Iterator[Visit]:
    yield from explore(browser, site)


def offence_choices(page: Page) -> list[str]:
    """The offence sets the page offers for its measure ('' is the broadest)."""
    return [option.get_attribute("value") or "" for option in page.locator("#offence option").all()]


def points(page: Page, selector: str = "") -> Locator:
    """The points of the series chart shown (one of its drawings is for a narrow screen)."""
    return page.locator(f"#series svg.chart:visible a.point{selector}")


def test_the_chart_has_the_points_of_the_api_for_each_offence_set(
    browser: Browser, site: Site, api: tuple[Site, str]
) -> None:
    checked = 0
    for measure in ("sentences", "cases_received"):
        for visited in explore(browser, site, "?" + urlencode({"measure": measure})):
            choices = offence_choices(visited.page)
            visited.assert_clean()
        assert choices[0] == ""  # the broadest set, the default
        for offence in choices:
            params = {"measure": measure} | ({"offence": offence} if offence else {})
            expected = get(api, "/v1/sentences/series", **params)["points"]
            for visited in explore(browser, site, "?" + urlencode(params)):
                page = visited.page
                shown = [a.get_attribute("data-record") for a in points(page).all()]
                assert shown == [p["record_id"] for p in expected], params
                rows = page.locator("table.points tbody tr")
                assert rows.count() == len(expected)
                visited.assert_clean()
            checked += len(expected)
    assert checked > 0


def test_opening_a_point_shows_its_quote_and_article_link(
    page_visit: Visit, api: tuple[Site, str]
) -> None:
    page = page_visit.page
    expected = get(api, "/v1/sentences/series", measure="sentences")["points"]
    assert expected
    for point in expected:
        details = page.locator(f"details[id='p-{point['record_id']}']")
        assert not details.locator("blockquote").is_visible()
        points(page, f"[data-record='{point['record_id']}']").click()
        source = point["sources"][0]
        quote = details.locator("blockquote")
        assert quote.is_visible()
        assert quote.inner_text() == source["quote"]
        link = details.locator(f"a[href='{source['text_fragment_url']}']")
        assert link.is_visible()
        assert "#:~:text=" in source["text_fragment_url"]
        assert details.locator(":scope > summary").evaluate("e => e === document.activeElement")
        independent = details.get_by_text("Independent sources:")
        assert str(point["independent_sources"]) in independent.inner_text()
    page_visit.assert_clean()


def test_copy_citation_puts_the_records_citation_on_the_clipboard(
    page_visit: Visit, api: tuple[Site, str]
) -> None:
    page = page_visit.page
    point = get(api, "/v1/sentences/series", measure="sentences")["points"][-1]
    details = page.locator(f"details[id='p-{point['record_id']}']")
    points(page, f"[data-record='{point['record_id']}']").click()
    details.get_by_role("button", name="Copy citation").click()
    page.get_by_text("Citation copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == point["citation"]
    details.get_by_role("button", name="Copy BibTeX").click()
    page.get_by_text("BibTeX copied to the clipboard.").wait_for()
    bibtex = httpx.get(
        f"{api[1]}/v1/sentences/{point['record_id']}/cite", params={"style": "bibtex"}
    ).text
    assert page.evaluate("navigator.clipboard.readText()") == bibtex
    page_visit.assert_clean()


def test_every_figure_has_its_citation_and_the_data_behind_it(
    page_visit: Visit, api: tuple[Site, str]
) -> None:
    page = page_visit.page
    multipliers = get(api, "/v1/risks/multipliers", reference="RU-MOW")["data"]
    assert len(page.locator("table.multipliers tbody tr").all()) == len(multipliers)
    for item in multipliers:
        citation = page.locator(f"[id='cite-m-{item['id']}']")
        assert citation.text_content() == item["citation"]
    disputes = get(api, "/v1/disputes", limit="500")["data"]
    assert page.locator("article.dispute").count() == len(disputes)
    for path in ("/v1/sentences/series", "/v1/risks/multipliers", "/v1/disputes", "/v1/claims"):
        for link in page.locator(f"a[href^='{path}']").all()[:2]:
            href = link.get_attribute("href") or ""
            assert httpx.get(api[1] + href).status_code == 200, href
    page_visit.assert_clean()


def test_the_keyboard_reaches_every_control_with_a_visible_focus(page_visit: Visit) -> None:
    page = page_visit.page
    wanted = page.evaluate(
        """selector => {
            // Rendered: not hidden, not inside a closed <details> (its summary is).
            const shown = [...document.querySelectorAll(selector)].filter(
                e => e.checkVisibility());
            shown.forEach((e, i) => e.setAttribute('data-key', String(i)));
            return shown.length;
        }""",
        CONTROLS,
    )
    assert wanted > 20
    reached: set[str] = set()
    for _ in range(wanted + 5):
        page.keyboard.press("Tab")
        key, visible = page.evaluate(
            """() => {
                const e = document.activeElement;
                const mark = e.closest('a') && e.closest('svg')
                    ? e.querySelector('circle:not([fill="transparent"]), rect') : e;
                const style = getComputedStyle(mark);
                const ring = e === mark ? style.outlineStyle !== 'none'
                    && parseFloat(style.outlineWidth) >= 2 : parseFloat(style.strokeWidth) >= 3;
                return [e.getAttribute('data-key'), ring];
            }"""
        )
        if key is not None:
            assert visible, f"control {key} has no visible focus"
            reached.add(key)
    assert reached == {str(i) for i in range(wanted)}
    page_visit.assert_clean()


# WCAG 2.x contrast of every piece of text against what is behind it (the nearest ancestor with
# a background; an SVG chart's text against its white backdrop), computed by the browser.
CONTRAST = """() => {
    const channel = c => {
        c /= 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const luminance = rgb => {
        const [r, g, b] = rgb.match(/[\\d.]+/g).map(Number);
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const background = e => {
        for (; e; e = e.parentElement) {
            const bg = getComputedStyle(e).backgroundColor;
            if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg;
        }
        return 'rgb(255, 255, 255)';
    };
    const worst = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const e = node.parentElement;
        if (!node.textContent.trim() || !e.checkVisibility() || e.closest('title, desc')) continue;
        const inSvg = e.closest('svg');
        const fg = inSvg ? getComputedStyle(e).fill : getComputedStyle(e).color;
        const bg = inSvg ? 'rgb(255, 255, 255)' : background(e);
        const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        if (ratio < 4.5) worst.push([node.textContent.trim().slice(0, 40), fg, bg, ratio]);
    }
    return worst;
}"""


def test_every_text_has_aa_contrast(page_visit: Visit) -> None:
    page = page_visit.page
    for details in page.locator("details").all()[:40]:  # opened ones show more text and colours
        details.evaluate("e => { e.open = true; }")
    assert page.evaluate(CONTRAST) == []
    page_visit.assert_clean()


@pytest.mark.parametrize(("name", "size"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_at_desktop_and_phone_sizes(
    browser: Browser, site: Site, name: str, size: ViewportSize, api: tuple[Site, str]
) -> None:
    """Saved for a person to look at (CI keeps them); the test checks that the page fits."""
    point = get(api, "/v1/sentences/series", measure="sentences", offence="337")["points"][-1]
    for visited in explore(browser, site, "?measure=sentences&offence=337", size):
        page = visited.page
        points(page, f"[data-record='{point['record_id']}']").click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], "the page scrolls sideways"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"explore-{name}.png"
        page.locator("#series figure").scroll_into_view_if_needed()
        page.evaluate("document.querySelector('#series figure').scrollIntoView()")
        page.screenshot(path=str(path), full_page=False)
        print(f"screenshot: {path}")  # noqa: T201 (CI logs say where to look)
        visited.assert_clean()


def test_a_journalist_goes_from_home_to_a_citation_of_march_2024(
    browser: Browser, site: Site, api: tuple[Site, str]
) -> None:
    """/ -> Explore -> Art. 337 -> the March 2024 point -> Copy citation -> paste."""
    expected_series = get(api, "/v1/sentences/series", measure="sentences", offence="337")
    march = next(p for p in expected_series["points"] if p["month"] == "2024-03")
    # The definition of done: Mediazona's count, as the API serves that record.
    record = get(api, "/v1/sentences/mediazona-2024-03-sentences-337")
    assert march["record_id"] == record["id"]
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    seen = watch(context, site)
    page = seen.page
    try:
        page.goto(site.base + "/")
        page.get_by_role("link", name="Explore the figures").click()
        page.get_by_label("Measure").select_option(label="Sentences handed down")
        page.get_by_label("Criminal Code articles").select_option(label="Art. 337")
        page.get_by_role("button", name="Show the series").click()
        page.wait_for_url("**/explore?measure=sentences&offence=337")
        title = page.locator("#series svg.chart:visible title").first.text_content() or ""
        assert "under Art. 337," in title
        point = points(page, f"[aria-label^='{march['period_label']}:']")
        assert point.count() == 1
        point.click()
        details = page.locator(f"details[id='p-{march['record_id']}']")
        assert details.locator("blockquote").inner_text() == march["sources"][0]["quote"]
        details.get_by_role("button", name="Copy citation").click()
        page.get_by_text("Citation copied to the clipboard.").wait_for()
        seen.assert_clean()
        # Paste it where a journalist would write: a text box, with the keyboard.
        editor = context.new_page()
        editor.set_content("<textarea aria-label='article'></textarea>")
        editor.locator("textarea").focus()
        editor.keyboard.press("Control+V")
        assert editor.locator("textarea").input_value() == record["citation"]
    finally:
        context.close()
