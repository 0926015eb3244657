"""The HTML pages and the docs' files: the landing page tells what the API is and where to go,
its examples are the README's and answer; /docs and /redoc load Swagger UI and ReDoc from
/docs-assets, whose bytes are the installed fastapi-offline package's."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from app.routes.pages import ASSETS_PACKAGE, ASSETS_URL, EXAMPLES, curl_examples

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
ASSETS = files(ASSETS_PACKAGE[0]).joinpath(ASSETS_PACKAGE[1])


class Links(HTMLParser):
    """The href of every link of a page, and the text of its <pre> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.pre = ""
        self._in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
        self._in_pre = self._in_pre or tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        self._in_pre = self._in_pre and tag != "pre"

    def handle_data(self, data: str) -> None:
        if self._in_pre:
            self.pre += data


def landing(client: TestClient, path: str = "/") -> Links:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    links = Links()
    links.feed(response.text)
    return links


def test_the_landing_page_links_the_docs_the_schema_and_the_data_package(
    client: TestClient,
) -> None:
    page = landing(client)
    assert {"/docs", "/redoc", "/openapi.json", "/v1/export", "/v1/disputes"} <= set(page.hrefs)
    for href in page.hrefs:
        assert client.get(href).status_code == 200, href


def test_the_landing_page_says_what_the_api_is(client: TestClient) -> None:
    text = client.get("/").text
    assert "desertion from the Russian army" in text
    assert "verbatim" in text


def test_the_landing_page_shows_the_readme_examples_on_the_public_url(client: TestClient) -> None:
    page = landing(client)
    shown = page.pre.splitlines()
    public = client.app.state.settings.public_url  # type: ignore[attr-defined]
    assert shown == curl_examples(public)
    for line in shown:
        assert line.replace(public, "localhost:8000") in README, line


def test_every_example_answers(client: TestClient) -> None:
    for _, path in EXAMPLES:
        assert client.get(path).status_code == 200, path


def test_the_examples_use_the_configured_public_url(seeded_db: str) -> None:
    settings = Settings(database_url=seeded_db, public_url="https://api.example.org/desertion")
    with TestClient(create_app(settings)) as client:
        shown = landing(client).pre.splitlines()
    assert shown[0].startswith("curl 'https://api.example.org/desertion/v1/sentences?")
    assert all("https://api.example.org/desertion/v1/" in line for line in shown)


def test_links_and_assets_keep_the_proxy_prefix(seeded_db: str) -> None:
    """Behind a proxy that serves the app under /api (root_path), every same-origin URL of the
    pages starts with it."""
    app = create_app(Settings(database_url=seeded_db))
    with TestClient(app, root_path="/api") as prefixed:
        assert "/api/docs" in landing(prefixed, "/api/").hrefs
        for page in ("/api/docs", "/api/redoc"):
            html = prefixed.get(page).text
            assert f'"/api{ASSETS_URL}/' in html
            assert "/api/openapi.json" in html


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
        ("redoc.standalone.js", "text/javascript; charset=utf-8"),
        ("favicon.png", "image/png"),
    ],
)
def test_the_docs_assets_are_the_installed_packages_files(
    client: TestClient, name: str, content_type: str
) -> None:
    response = client.get(f"{ASSETS_URL}/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.content == ASSETS.joinpath(name).read_bytes()


@pytest.mark.parametrize(
    ("page", "names"),
    [
        ("/docs", ["swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"]),
        ("/redoc", ["redoc.standalone.js", "favicon.png"]),
    ],
)
def test_the_docs_pages_load_the_local_assets(
    client: TestClient, page: str, names: list[str]
) -> None:
    html = client.get(page).text
    for name in names:
        assert f'"{ASSETS_URL}/{name}"' in html, name
    assert "url: '/openapi.json'" in html or 'spec-url="/openapi.json"' in html
    assert "://" not in html  # no absolute URL: nothing from another host


@pytest.mark.parametrize("path", [f"{ASSETS_URL}/nothing.js", f"{ASSETS_URL}/../core.py"])
def test_no_other_file_is_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_pages_are_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/", "/docs", "/redoc"} & paths.keys()
    assert not any(path.startswith(ASSETS_URL) for path in paths)
