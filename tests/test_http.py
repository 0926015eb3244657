"""HTTP behaviour for caches, browsers and journalists: strong ETags with 304s that change only
with the data, Cache-Control, CORS, citations in four styles and text-fragment deep links."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.config import Settings
from app.http_cache import Cached, ResponseCache, Version
from app.loader import load_seed
from app.main import create_app
from tests.conftest import SEED_DIR
from tests.factories import edit
from tests.test_seed import DAGENS

RECORD = "/v1/sentences/dagens-2024-sentences-per-month"


def load_an_edit(seed_dir: Path, session: Session) -> None:
    """Edits a sentence of DAGENS in ``seed_dir`` and loads it: a new data version, and a change
    to that record's body (its statement ends with "(edited)")."""

    def change(data: dict[str, Any]) -> None:
        data["sentences"][0]["statement"] = "Around 800 a month in 2024 (edited)."

    edit(seed_dir, DAGENS, change)
    load_seed(session, seed_dir)
    session.commit()


@pytest.mark.parametrize(
    "path", ["/v1/sentences", RECORD, "/v1/regions?limit=5", "/v1/articles", "/v1/disputes"]
)
def test_repeated_get_with_if_none_match_is_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=600"
    assert "Accept" in first.headers["vary"]
    assert first.headers["last-modified"].endswith("GMT")
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path).headers["etag"] == etag


def test_different_responses_have_different_etags(client: TestClient) -> None:
    tags = {
        client.get(p).headers["etag"]
        for p in ["/v1/sentences", "/v1/sentences?limit=1", "/v1/risks", RECORD]
    }
    assert len(tags) == 4


def test_if_modified_since_is_honoured(client: TestClient) -> None:
    last = parsedate_to_datetime(client.get(RECORD).headers["last-modified"])
    later = format_datetime(last + timedelta(seconds=1), usegmt=True)
    assert client.get(RECORD, headers={"If-Modified-Since": later}).status_code == 304
    # Last-Modified has whole seconds: the same second might hide a later change, so it is
    # answered in full rather than risk a stale 304.
    same = format_datetime(last, usegmt=True)
    assert client.get(RECORD, headers={"If-Modified-Since": same}).status_code == 200
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get(RECORD, headers={"If-Modified-Since": old}).status_code == 200


@pytest.mark.parametrize(
    "since", ["not a date", "Mon, 99 Foo 99999 99:99:99 GMT", "2999-01-01", "Mon, 01 Jan 2001"]
)
def test_an_unparsable_if_modified_since_is_answered_in_full(
    client: TestClient, since: str
) -> None:
    full = client.get(RECORD)
    assert "last-modified" in full.headers  # so the header is compared, not skipped
    response = client.get(RECORD, headers={"If-Modified-Since": since})
    assert response.status_code == 200
    assert response.content == full.content
    assert response.headers["etag"] == full.headers["etag"]


def test_etag_changes_only_when_the_data_behind_it_changes(
    seed_copy: Path,
    seeded_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for(seeded_db)
    other = "/v1/claims/dagens-sverdlin-military-in-chaos"
    paths = (RECORD, other, "/v1/sentences?limit=500", "/v1/risks")
    before = {p: client.get(p).headers["etag"] for p in paths}
    session = session_for(seeded_db)
    load_seed(session, SEED_DIR)  # unchanged seed: nothing changes
    session.commit()
    assert {p: client.get(p).headers["etag"] for p in before} == before

    load_an_edit(seed_copy, session)
    after = {p: client.get(p).headers["etag"] for p in before}
    assert after[RECORD] != before[RECORD]
    assert after["/v1/sentences?limit=500"] != before["/v1/sentences?limit=500"]
    assert after[other] == before[other]
    assert after["/v1/risks"] == before["/v1/risks"]
    stale = client.get(RECORD, headers={"If-None-Match": before[RECORD]})
    assert stale.status_code == 200


def test_errors_are_not_cached(client: TestClient) -> None:
    response = client.get("/v1/sentences/nope")
    assert response.status_code == 404
    assert "etag" not in response.headers
    assert "public" not in response.headers.get("cache-control", "")


def test_cache_control_is_configurable(seeded_db: str) -> None:
    app = create_app(Settings(database_url=seeded_db, cache_control="no-cache"))
    with TestClient(app) as client:
        assert client.get(RECORD).headers["cache-control"] == "no-cache"


def test_cors_allows_any_origin_and_exposes_paging_and_cache_headers(client: TestClient) -> None:
    response = client.get("/v1/regions?limit=2", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"link", "etag", "ratelimit-remaining", "retry-after"} <= exposed
    preflight = client.options(
        "/v1/sentences",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200


def test_cors_origin_list_is_configurable(seeded_db: str) -> None:
    app = create_app(Settings(database_url=seeded_db, cors_origins=["https://news.example"]))
    with TestClient(app) as client:
        allowed = client.get(RECORD, headers={"Origin": "https://news.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://news.example"
        refused = client.get(RECORD, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("family", ["sentences", "risks", "claims"])
def test_record_responses_link_to_the_article_as_cite_as(client: TestClient, family: str) -> None:
    item = client.get(f"/v1/{family}?limit=1").json()["data"][0]
    response = client.get(f"/v1/{family}/{item['id']}")
    url = item["sources"][0]["article"]["url"]
    assert response.headers["link"] == f'<{url}>; rel="cite-as"'


def test_cite_text_is_the_citation_field(client: TestClient) -> None:
    record = client.get(RECORD).json()
    response = client.get(f"{RECORD}/cite?style=text")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.strip() == record["citation"]


def test_cite_styles_carry_author_title_date_and_url(client: TestClient) -> None:
    bibtex = client.get(f"{RECORD}/cite?style=bibtex").text
    assert bibtex.startswith("@online{")
    assert "author = {Kathrine Frich}" in bibtex
    assert "date = {2024-10-02}" in bibtex
    [csl] = json.loads(client.get(f"{RECORD}/cite?style=csl-json").text)
    assert csl["issued"] == {"date-parts": [[2024, 10, 2]]}
    assert csl["author"] == [{"literal": "Kathrine Frich"}]
    ris = client.get(f"{RECORD}/cite?style=ris").text
    assert ris.startswith("TY  - NEWS")
    assert "AU  - Kathrine Frich" in ris
    assert ris.rstrip().endswith("ER  -")
    article = client.get(f"/v1/articles/{DAGENS}/cite?style=csl-json").json()
    assert article[0]["id"] == DAGENS


def test_cite_of_unknown_record_or_style_is_a_problem(client: TestClient) -> None:
    assert client.get("/v1/claims/nope/cite").status_code == 404
    assert client.get(f"{RECORD}/cite?style=apa").status_code == 422


def test_sources_deep_link_to_the_quote(client: TestClient) -> None:
    source = client.get(RECORD).json()["sources"][0]
    link = source["text_fragment_url"]
    assert link.startswith(source["article"]["url"] + "#:~:text=")
    start, end = link.split("#:~:text=")[1].split(",")
    assert start == "In%202024%20alone%2C%20Russian"
    assert end == "from%20the%20previous%20year."


@pytest.mark.parametrize("path", [RECORD, "/v1/sentences", "/v1/sentences.csv", "/healthz"])
def test_head_is_get_without_a_body(client: TestClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers.get("etag") == get.headers.get("etag")
    assert head.headers["content-type"] == get.headers["content-type"]


def test_bibtex_escapes_what_would_break_the_entry() -> None:
    from types import SimpleNamespace

    from app.citations import bibtex

    article = SimpleNamespace(
        id="x",
        title="Costs {rise} 50% & more_now",
        description=None,
        authors=["A B"],
        publisher="P",
        url=None,
        published_at=None,
        published_precision=None,
        language="en",
    )
    entry = bibtex(article, note="quote with } brace")
    assert "title = {Costs \\{rise\\} 50\\% \\& more\\_now}" in entry
    assert "note = {quote with \\} brace}" in entry


def _statements(client: TestClient) -> list[str]:
    """The SQL the application runs from now on (a listener on its engine), but the data
    version's read: PostgreSQL has no probe, so it reads the version on every request."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "max(revisions.id)" not in statement:
            seen.append(statement)

    event.listen(client.app.state.engine, "before_cursor_execute", record)  # type: ignore[attr-defined]
    return seen


@pytest.mark.parametrize(
    "path", ["/v1/sentences?limit=5", RECORD, "/v1/sentences.csv", "/v1/sentences.ndjson"]
)
def test_a_conditional_read_runs_no_query(
    seeded_db: str, client_for: Callable[[str], TestClient], path: str
) -> None:
    client = client_for(seeded_db)
    first = client.get(path)
    assert first.status_code == 200
    seen = _statements(client)
    not_modified = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert seen == []
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    # RFC 9110 15.4.5: a 304 carries the ETag, Cache-Control and Vary its 200 would.
    for header in ("etag", "cache-control", "vary", "last-modified"):
        assert not_modified.headers[header] == first.headers[header]


@pytest.mark.parametrize("path", ["/v1/sentences?limit=5&facet=region", RECORD, "/v1/regions"])
def test_a_repeated_json_read_is_answered_from_the_cache(
    seeded_db: str, client_for: Callable[[str], TestClient], path: str
) -> None:
    client = client_for(seeded_db)
    first = client.get(path)
    seen = _statements(client)
    again = client.get(path)
    assert seen == []
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-type"] == first.headers["content-type"]
    # Another Accept, query or path is another entry: rendered, not served from this one.
    client.get(path, headers={"Accept": "application/json"})
    assert seen != []


def test_a_change_by_another_connection_busts_the_cache(
    seed_copy: Path,
    seeded_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for(seeded_db)
    paths = (RECORD, "/v1/sentences?limit=500", "/v1/sentences.csv", "/v1/sentences.ndjson")
    before = {p: client.get(p) for p in paths}
    assert {p: client.get(p).headers["etag"] for p in paths} == {
        p: r.headers["etag"] for p, r in before.items()
    }

    load_an_edit(seed_copy, session_for(seeded_db))
    for path, old in before.items():
        new = client.get(path, headers={"If-None-Match": old.headers["etag"]})
        assert new.status_code == 200, path
        assert new.headers["etag"] != old.headers["etag"]
        assert "(edited)" in new.text
        assert "(edited)" not in old.text


def test_the_response_cache_keeps_to_its_bytes() -> None:
    version = Version(1, None)
    cache = ResponseCache(max_bytes=8_000)
    for n in range(10):
        cache.put(("", f"/v1/x{n}", b"", ""), Cached(version, f'"{n}"', [], b"x" * 900))
    assert cache.size <= 8_000
    assert cache.get(("", "/v1/x0", b"", ""), version) is None  # the oldest went first
    assert cache.get(("", "/v1/x9", b"", ""), version) is not None
    assert cache.get(("", "/v1/x9", b"", ""), Version(2, None)) is None  # another version
    cache.put(("", "/big", b"", ""), Cached(version, '"big"', [], b"x" * 5_000))
    kept = cache.get(("", "/big", b"", ""), version)
    assert kept is not None
    assert kept.body is None  # too big to keep: the ETag alone
    assert kept.etag == '"big"'


def test_facets_are_counted_once_per_data_version(
    seed_copy: Path,
    seeded_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    """Another page of the same list (a response-cache miss) reuses the facet counts of its
    data version; a load that changes the data counts them again."""
    client = client_for(seeded_db)

    def counts(limit: int) -> dict[str, int]:
        body = client.get(f"/v1/sentences?limit={limit}&facet=region&facet=year").json()
        return {
            f"{name}:{c['value']}": c["count"]
            for name in ("region", "year")
            for c in body["facets"][name]
        }

    first = counts(5)
    seen = _statements(client)
    assert counts(6) == first
    assert seen  # the page itself was read
    assert not [s for s in seen if "count(" in s.lower() or "facet_counts" in s]

    def deprecate_one(data: dict[str, Any]) -> None:  # deprecated records are not counted
        data["sentences"][-1] |= {"rank": "deprecated", "rank_reason": "A test's misprint."}

    edit(seed_copy, DAGENS, deprecate_one)
    session = session_for(seeded_db)
    load_seed(session, seed_copy)
    session.commit()
    after = counts(7)
    assert sum(v for k, v in after.items() if k.startswith("year:")) == (
        sum(v for k, v in first.items() if k.startswith("year:")) - 1
    )


def test_facet_counts_are_not_kept_when_the_cache_is_off(seeded_db: str) -> None:
    app = create_app(Settings(database_url=seeded_db, facet_cache_entries=0))
    with TestClient(app) as client:
        client.get("/v1/sentences?limit=5&facet=region")
        seen = _statements(client)
        client.get("/v1/sentences?limit=6&facet=region")
        assert [s for s in seen if "facet_counts" in s]  # summed from the rollup again
