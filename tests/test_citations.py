"""Citations quote only a headline as published: an article known by our own description is cited
as "Publisher, date, URL" in every style, with the description as a labelled note."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from app.citations import bibtex, citation_text, csl_json, ris, text_fragment_url

DESCRIBED = "mediazona-en-2024-04-12-record"  # a seed article whose headline is not known
DESCRIPTION = "Mediazona (English): record number of AWOL sentences in March 2024"


def _article(title: str | None, description: str | None, authors: list[str]) -> SimpleNamespace:
    return SimpleNamespace(
        id="mediazona-x",
        url="https://zona.media/translate/2024/04/12/record",
        title=title,
        description=description,
        publisher="Mediazona",
        authors=authors,
        published_at=datetime(2024, 4, 12, tzinfo=UTC),
        published_precision="day",
        published_approximate=False,
        language="en",
    )


TITLED = _article("Record AWOL sentences", None, ["Dmitry Shvets"])
UNTITLED = _article(None, "Our words about it", [])
UNTITLED_WITH_AUTHOR = _article(None, "Our words about it", ["Dmitry Shvets"])


def test_text_quotes_a_real_title_and_leaves_a_description_out() -> None:
    assert citation_text(TITLED) == (
        "Dmitry Shvets, 'Record AWOL sentences', Mediazona, 12 April 2024, "
        "https://zona.media/translate/2024/04/12/record"
    )
    assert citation_text(UNTITLED) == (
        "Mediazona, 12 April 2024, https://zona.media/translate/2024/04/12/record"
    )
    assert citation_text(UNTITLED_WITH_AUTHOR).startswith("Dmitry Shvets, Mediazona, 12 April")


def test_bibtex_has_a_title_only_when_it_is_the_headline() -> None:
    titled = bibtex(TITLED, note="Quoted: x")
    assert "  title = {Record AWOL sentences}" in titled
    assert "  note = {Quoted: x}" in titled
    untitled = bibtex(UNTITLED, note="Quoted: x")
    assert "title =" not in untitled
    assert "  note = {Headline not known; described as: Our words about it. Quoted: x}" in untitled
    assert "organization = {Mediazona}" in untitled
    assert "date = {2024-04-12}" in untitled


def test_csl_json_has_a_title_only_when_it_is_the_headline() -> None:
    [titled] = csl_json(TITLED)
    assert titled["title"] == "Record AWOL sentences"
    assert "note" not in titled
    [untitled] = csl_json(UNTITLED, note="Quoted: x")
    assert "title" not in untitled
    assert untitled["note"] == "Headline not known; described as: Our words about it\nQuoted: x"
    assert untitled["container-title"] == "Mediazona"
    assert untitled["issued"] == {"date-parts": [[2024, 4, 12]]}


def test_ris_has_ti_only_when_it_is_the_headline() -> None:
    titled = ris(TITLED).split("\r\n")
    assert "TI  - Record AWOL sentences" in titled
    assert not any(line.startswith("N1") for line in titled)
    untitled = ris(UNTITLED, note="Quoted: x").split("\r\n")
    assert not any(line.startswith("TI") for line in untitled)
    assert [line for line in untitled if line.startswith("N1")] == [
        "N1  - Headline not known; described as: Our words about it",
        "N1  - Quoted: x",
    ]
    assert "T2  - Mediazona" in untitled
    assert "DA  - 2024/04/12/" in untitled


def test_a_described_article_is_served_with_title_null_and_its_description(
    client: TestClient,
) -> None:
    article = client.get(f"/v1/articles/{DESCRIBED}").json()
    assert article["title"] is None
    assert article["description"] == DESCRIPTION
    assert article["citation"] == (
        "Mediazona, 12 April 2024, https://zona.media/translate/2024/04/12/record"
    )


@pytest.mark.parametrize("style", ["text", "bibtex", "csl-json", "ris"])
def test_no_served_style_quotes_a_description_as_the_headline(
    client: TestClient, style: str
) -> None:
    body = client.get(f"/v1/articles/{DESCRIBED}/cite?style={style}").text
    for quoted in (f"'{DESCRIPTION}'", f"{{{DESCRIPTION}}}", f"TI  - {DESCRIPTION}"):
        assert quoted not in body
    if style == "csl-json":
        assert "title" not in json.loads(body)[0]


def test_a_bracketed_title_is_refused_as_a_headline() -> None:
    from pydantic import ValidationError

    from app.schemas.inputs import ArticleIn

    base = {"id": "a-b-c", "url": "https://example.org/a", "publisher": "P", "language": "en"}
    with pytest.raises(ValidationError, match="give it as description"):
        ArticleIn.model_validate(base | {"title": "[Our words]"})
    with pytest.raises(ValidationError, match="give title"):
        ArticleIn.model_validate(base)
    assert ArticleIn.model_validate(base | {"description": "Our words"}).title is None


@pytest.mark.parametrize(
    "text",
    [
        "Военный суд вынес 684 приговора",
        "+15% more, -3 & a, b; c/d?e#f ~g_h.i",
        "«нет» — 😀 \u00a0 tab\there",
        "",
    ],
)
def test_a_text_fragment_encodes_its_words_as_quote_does(text: str) -> None:
    """The encoder is ours (a translation table, for speed): it must write what
    ``urllib.parse.quote(..., safe="")`` writes, character for character."""
    url = text_fragment_url("https://example.org/a", text)
    assert url == f"https://example.org/a#:~:text={quote(' '.join(text.split()), safe='')}"
