"""/explore as served (the browser tests drive it in chromium): the figures of the API, each
with its citation as the API gives it, unique element ids, the selectors' parameters checked
like the API's, and caching like every read."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient


class Elements(HTMLParser):
    """Every element's id, and the text of each element with an id (no nesting needed here)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.text: dict[str, str] = {}
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element_id = dict(attrs).get("id")
        if element_id:
            self.ids.append(element_id)
            self.text[element_id] = ""
            self.open.append(element_id)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("span", "pre") and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for element_id in self.open:
            self.text[element_id] += data


def page(client: TestClient, query: str = "") -> Elements:
    response = client.get(f"/explore{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    parsed = Elements()
    parsed.feed(response.text)
    return parsed


def test_every_point_of_the_series_has_its_citation_and_bibtex(client: TestClient) -> None:
    for query, params in [
        ("", {"measure": "sentences"}),
        ("?measure=sentences&offence=337", {"measure": "sentences", "offence": "337"}),
        ("?measure=cases_received&offence=", {"measure": "cases_received"}),
    ]:
        shown = page(client, query)
        points = client.get("/v1/sentences/series", params=params).json()["points"]
        for point in points:
            key = f"p-{point['record_id']}"
            assert key in shown.ids
            assert shown.text[f"cite-{key}"] == point["citation"]
            bibtex = client.get(
                f"/v1/sentences/{point['record_id']}/cite", params={"style": "bibtex"}
            ).text
            assert shown.text[f"bib-{key}"] == bibtex


def test_every_multiplier_and_claim_is_shown_with_its_citation(client: TestClient) -> None:
    shown = page(client)
    multipliers = client.get("/v1/risks/multipliers", params={"reference": "RU-MOW"}).json()
    for item in multipliers["data"]:
        assert shown.text[f"cite-m-{item['id']}"] == item["citation"]
        bibtex = client.get(f"/v1/risks/{item['id']}/cite", params={"style": "bibtex"}).text
        assert shown.text[f"bib-m-{item['id']}"] == bibtex
    claims = client.get("/v1/claims", params={"limit": 500}).json()["data"]
    assert claims
    for claim in claims:
        assert shown.text[f"cite-c-{claim['id']}"] == claim["citation"]


def test_element_ids_are_unique(client: TestClient) -> None:
    repeated = [i for i, n in Counter(page(client).ids).items() if n > 1]
    assert repeated == []


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("?offence=33", 422, "offence"),
        ("?measure=nope", 422, "measure"),
        ("?measures=sentences", 400, "measures"),
    ],
)
def test_bad_selectors_are_named(client: TestClient, query: str, status: int, field: str) -> None:
    response = client.get(f"/explore{query}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["parameter"] for e in response.json()["errors"]] == [field]


def test_the_page_is_cached_like_a_read(client: TestClient) -> None:
    first = client.get("/explore")
    assert first.headers["etag"]
    assert client.get("/explore").content == first.content
    again = client.get("/explore", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_the_landing_page_links_the_explorer(client: TestClient) -> None:
    assert 'href="/explore"' in client.get("/").text
