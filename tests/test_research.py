"""The research behind every figure is in the repository (docs/research.md), and it holds the
seed to its sources: each seed article has a section there, found by its URL, and each quote and
English gloss of each seed record is verbatim in that section. Editing a quote in a seed file or
in the research fails here; so does a section for an article the seed no longer has."""

from __future__ import annotations

import re

from app.config import PROJECT_ROOT
from tests.conftest import SEED_DIR
from tests.helpers import seed
from tests.research import RESEARCH, address, headings, section_for, sections, squash

# English glosses the curators wrote where the research gives none, by record. Listed for the
# auditors of issue 10 (the seed files are theirs to change); an entry must go once its gloss is
# fixed or found, so the list can only shrink.
OWN_GLOSSES = {
    "factor-am-2024-06-cases-total": "the research gives no English for factor.am's sentence",
    "polskieradio-2023-awol-record-in-history": "the research's gloss elides this sentence",
    "vedomosti-2022-ch33-cases-vs-2021": "the research's gloss leaves 'т. е. в два раза' out",
}
# "Source notes: data-sources.md, section 3.1 (C8)" (the working title of docs/research.md, which
# a file may also name): a section number and an id, both of which must be headings there.
_REFERENCE = re.compile(r"(?:data-sources|research)\.md")
_SECTION_NUMBER = re.compile(r"\b\d\.\d\b")
_ID = re.compile(r"\b[SCRL]\d{1,2}\b")


def _quotes_missing_from_their_sections() -> list[tuple[str, str, str]]:
    """(record id, field, text) of every quote or gloss not verbatim in its article's section."""
    missing = []
    for record_id, planned in seed().records.items():
        section = section_for(seed().articles[planned.article_id].url)
        assert section is not None, record_id
        for evidence in planned.model.evidence:
            for field, text in (("quote", evidence.quote), ("quote_en", evidence.quote_en)):
                if text is not None and squash(text) not in section.text:
                    missing.append((record_id, field, text))
    return missing


def test_every_seed_article_has_one_research_section() -> None:
    by_url = [s.url for s in sections()]
    for article in seed().articles.values():
        assert by_url.count(address(article.url)) == 1, article.id


def test_every_research_section_is_a_seed_article() -> None:
    urls = {address(a.url) for a in seed().articles.values()}
    assert [s.heading for s in sections() if s.url not in urls] == []


def test_every_quote_is_verbatim_in_its_articles_section() -> None:
    missing = _quotes_missing_from_their_sections()
    assert [m for m in missing if m[1] == "quote"] == []
    assert [m for m in missing if m[0] not in OWN_GLOSSES] == []


def test_the_glosses_of_our_own_are_still_missing_from_the_research() -> None:
    missing = _quotes_missing_from_their_sections()
    glosses = {record_id for record_id, field, _ in missing if field == "quote_en"}
    assert set(OWN_GLOSSES) == glosses


def test_the_dagens_article_is_in_the_research_with_what_is_wrong_in_it() -> None:
    dagens = section_for(
        "https://dagens.com/war/russian-soldiers-flee-to-the-forest-as-desertion-rates-hit-record-high"
    )
    assert dagens is not None
    assert "Kathrine Frich" in dagens.text
    assert "Oct.02 - 2024 9:17 AM CET" in dagens.text
    bbc = section_for("https://lemmit.nyc.what.if.ua/post/48344/89772")
    assert bbc is not None
    assert "27 to 33 times higher respectively" in bbc.text


def test_the_seed_files_section_references_resolve() -> None:
    titles = headings()
    files = [*sorted((SEED_DIR / "articles").glob("*.yaml")), SEED_DIR / "people.yaml"]
    referring = 0
    for path in files:
        comments = " ".join(
            line.lstrip("# ") for line in path.read_text("utf-8").splitlines() if line[:1] == "#"
        )
        named = _REFERENCE.search(comments)
        if named is None:
            continue
        reference = comments[named.end() :]
        numbers = _SECTION_NUMBER.findall(reference)
        assert numbers, path.name
        for number in numbers:
            assert any(t.startswith(f"{number} ") for t in titles), (path.name, number)
        for record_id in _ID.findall(reference):
            assert any(t.startswith(f"{record_id}. ") for t in titles), (path.name, record_id)
        referring += 1
    assert referring > len(files) / 2


def test_no_document_sends_readers_outside_the_repository() -> None:
    outside = "../" + "shared"
    documents = [
        PROJECT_ROOT / "README.md",
        *(PROJECT_ROOT / "docs").glob("*.md"),
        *(PROJECT_ROOT / "app").rglob("*.py"),
        *(PROJECT_ROOT / "tests").rglob("*.py"),
        *SEED_DIR.rglob("*.yaml"),
    ]
    assert [str(p) for p in documents if outside in p.read_text("utf-8")] == []
    assert RESEARCH.is_relative_to(PROJECT_ROOT)
