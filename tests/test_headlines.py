"""Titles are headlines as published: none is a bracketed description of ours, and the headlines
found for the seed articles (tests/data/headlines.json, copied verbatim from the research on the
stored pages) are the titles the seed gives them, and each stands in its source's section of
docs/research.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.loader import read_seed
from tests.conftest import SEED_DIR
from tests.research import section_for, squash

HEADLINES: list[dict[str, str]] = json.loads(
    (Path(__file__).parent / "data" / "headlines.json").read_text(encoding="utf-8")
)


def _titles_by_url() -> dict[str, tuple[str, str | None]]:
    """(id, title) of every article and stub with a URL, by URL."""
    seed = read_seed(SEED_DIR)
    entries: list[Any] = [*seed.articles.values(), *seed.stubs.values()]
    return {
        str(e.url): (getattr(e, "id", None) or e.article, e.title)
        for e in entries
        if e.url is not None
    }


def test_no_title_is_a_bracketed_description() -> None:
    seed = read_seed(SEED_DIR)
    titles = [a.title for a in seed.articles.values()] + [s.title for s in seed.stubs.values()]
    assert [t for t in titles if t and (t.startswith("[") or t.endswith("]"))] == []
    described = [a for a in seed.articles.values() if a.title is None]
    assert described, "the seed still has articles whose headline is not known"
    assert all(a.description for a in described)


def test_every_headline_found_is_the_title_of_its_article() -> None:
    by_url = _titles_by_url()
    assert len(HEADLINES) == 24
    for found in HEADLINES:
        assert found["url"] in by_url, found["url"]
        article_id, title = by_url[found["url"]]
        assert title == found["headline"], article_id


def test_the_headlines_are_copied_verbatim_from_the_research() -> None:
    for found in HEADLINES:
        section = section_for(found["url"])
        assert section is not None, found["url"]
        assert squash(found["headline"]) in section.text, found["headline"]
