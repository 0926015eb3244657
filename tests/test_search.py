"""Full-text search finds Russian and English text alike, ranks and highlights, and the index
follows every change the loader writes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from app import search
from app.loader import load_seed
from app.models import Article, Record, SearchDocument
from tests.conftest import SEED_DIR
from tests.factories import edit
from tests.helpers import assert_problem

DAGENS = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"
BURYATIA_33 = "dagens-buryatia-vs-moscow-death-likelihood"
MEDIAZONA_684 = "mediazona-2024-03-sentences-337"
MISPRINT = "upravda-0424-2024-03-sentences-misprint"


def hits(client: TestClient, query: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/search", params={"q": query, "limit": 100, **params})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


@pytest.mark.parametrize("query", ["Бурятия", "Buryatia", "бурятии", "BURYATIA"])
def test_russian_and_english_find_the_buryatia_records(client: TestClient, query: str) -> None:
    found = {h["id"] for h in hits(client, query)}
    assert BURYATIA_33 in found  # an English-only record, found through its region's names
    assert "sibir-buryatia-named-dead-bbc-mediazona" in found  # a Russian quote


def test_hits_are_ranked_and_highlighted(client: TestClient) -> None:
    results = hits(client, "chaos")
    assert results[0]["id"] == "dagens-sverdlin-military-in-chaos"
    assert "<mark>chaos</mark>" in results[0]["snippet"].lower()
    assert results[0]["url"].endswith("/v1/claims/dagens-sverdlin-military-in-chaos")
    found = hits(client, "Buryatia")
    for rank in ("preferred", "normal", "deprecated"):  # articles rank with normal records
        scores = [h["score"] for h in found if (h["rank"] or "normal") == rank]
        assert scores == sorted(scores, reverse=True)


RANK_ORDER = {"preferred": 0, "normal": 1, None: 1, "deprecated": 2}


def test_preferred_records_come_first_and_carry_their_figure(client: TestClient) -> None:
    found = hits(client, "March 2024 sentences")
    first = found[0]
    assert (first["id"], first["value"], first["unit"]) == (MEDIAZONA_684, 684, "sentences")
    assert (first["period_label"], first["rank"]) == ("March 2024", "preferred")
    assert [RANK_ORDER[h["rank"]] for h in found] == sorted(RANK_ORDER[h["rank"]] for h in found)
    article = next(h for h in found if h["type"] == "article")
    assert (article["value"], article["unit"], article["rank"], article["period_label"]) == (
        None,
        None,
        None,
        None,
    )


def test_deprecated_records_are_found_only_when_asked_and_rank_last(client: TestClient) -> None:
    assert MISPRINT not in {h["id"] for h in hits(client, "Mediazona 684")}
    found = hits(client, "Mediazona 684", include_deprecated="true")
    ids = [h["id"] for h in found]
    assert MISPRINT in ids
    assert ids.index(MEDIAZONA_684) < ids.index(MISPRINT)
    assert all(h["rank"] == "deprecated" for h in found[ids.index(MISPRINT) :])
    misprint = found[ids.index(MISPRINT)]
    assert (misprint["value"], misprint["rank"]) == (64, "deprecated")


def test_all_words_must_match_and_type_filters(client: TestClient) -> None:
    both = {h["id"] for h in hits(client, "Sverdlin Russia")}
    assert both
    assert both <= {h["id"] for h in hits(client, "Sverdlin")}
    articles = hits(client, "Mediazona", type="article")
    assert articles
    assert {h["type"] for h in articles} == {"article"}
    assert_problem(client.get("/v1/search?q=x&type=person"), 422)


def test_empty_or_missing_query_is_a_problem(client: TestClient) -> None:
    assert_problem(client.get("/v1/search"), 422)
    assert_problem(client.get("/v1/search?q="), 422)
    assert hits(client, "!!! ---") == []


def test_the_index_follows_seed_changes_and_removals(
    seed_copy: Path,
    seeded_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for(seeded_db)

    def change(data: dict[str, Any]) -> None:
        data["sentences"][0]["statement"] = "Zanzibarian test statement about sentences."
        data["claims"] = [
            c for c in data["claims"] if c["id"] != "dagens-sverdlin-military-in-chaos"
        ]

    edit(seed_copy, DAGENS, change)
    session = session_for(seeded_db)
    load_seed(session, seed_copy)
    session.commit()
    assert [h["id"] for h in hits(client, "Zanzibarian")] == ["dagens-2024-sentences-per-month"]
    assert hits(client, "chaos") == []


def test_an_index_out_of_step_is_rebuilt_by_the_next_load(
    seeded_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    session = session_for(seeded_db)
    if session.get_bind().dialect.name == "sqlite":  # external content: the index goes first
        session.execute(text("INSERT INTO search_fts (search_fts) VALUES ('delete-all')"))
    session.execute(delete(SearchDocument))
    session.commit()
    client = client_for(seeded_db)
    assert hits(client, "Buryatia") == []
    load_seed(session, SEED_DIR)
    session.commit()
    assert BURYATIA_33 in {h["id"] for h in hits(client, "Buryatia")}


@pytest.mark.parametrize(
    "query",
    [
        "missing OR disobeyed",  # as OR: every record with either word
        "Buryatia -Moscow",  # as NOT: the Buryatia records without Moscow
        '"published" NEAR(decisions)',  # as NEAR: a proximity query, or a syntax error
    ],
)
def test_operators_are_plain_words_on_every_engine(client: TestClient, query: str) -> None:
    words = [w.strip("-") for w in re.findall(r"[\w-]+", query) if w.strip("-")]
    found = {h["id"] for h in hits(client, query)}
    assert found, "the query's words all occur in one seed record"
    for word in words:  # every word must match: nothing is OR, NOT or NEAR
        assert found <= {h["id"] for h in hits(client, word)}, word
    assert found < {h["id"] for h in hits(client, words[0])}  # the other words narrowed it


def test_prefixes_match_on_every_engine(client: TestClient) -> None:
    assert BURYATIA_33 in {h["id"] for h in hits(client, "Buryat")}


def test_snippets_are_html_escaped_around_the_marks(client: TestClient) -> None:
    snippet = hits(client, "chaos")[0]["snippet"]
    assert "&quot;" in snippet
    assert '"' not in snippet.replace("<mark>", "").replace("</mark>", "")


def test_reindexing_in_small_chunks_gives_the_same_hits(
    seeded_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The index is (re)built a chunk of ids per statement (an unbounded IN list fails on large
    data packages); the chunk size must not change a hit."""
    client = client_for(seeded_db)
    before = [hits(client, q) for q in ("Buryatia", "Mediazona", "Бурятия")]
    monkeypatch.setattr(search, "CHUNK", 3)
    session = session_for(seeded_db)
    records, articles = (list(session.scalars(select(c.id))) for c in (Record, Article))
    search._remove(session, "record", records)  # an empty index, rebuilt three ids at a time
    search._remove(session, "article", articles)
    search.index_records(session, records)
    search.index_articles(session, articles)
    session.commit()
    assert [hits(client, q) for q in ("Buryatia", "Mediazona", "Бурятия")] == before
    assert all(before)


@pytest.mark.parametrize("include_deprecated", ["false", "true"])
def test_a_shorter_page_is_the_start_of_a_longer_one(
    client: TestClient, include_deprecated: str
) -> None:
    """The index is asked for one rank tier at a time and only for the hits still wanted, so
    every limit must give the first hits of the same order, across the tiers' edges."""
    full = hits(client, "Mediazona", include_deprecated=include_deprecated)
    assert {h["rank"] for h in full} >= {"preferred", "normal"}
    for limit in range(1, len(full) + 1):
        page = client.get(
            "/v1/search",
            params={"q": "Mediazona", "limit": limit, "include_deprecated": include_deprecated},
        ).json()["data"]
        assert [h["id"] for h in page] == [h["id"] for h in full[:limit]], limit


@pytest.mark.parametrize("query", ["t0ksentence", "t1kclaim", "t1", "ksentence", "tags"])
def test_the_rank_and_kind_tokens_are_never_found(client: TestClient, query: str) -> None:
    assert hits(client, query) == []
