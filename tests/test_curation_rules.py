"""The loader's curation rules (app/loader/curation.py, docs/curation.md): for each, a small
seed it refuses, with the exact problem line, and the nearest seed it accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.loader import SeedError, read_seed
from app.loader.numbers import read_numbers
from tests.factories import make_article, make_rate, make_sentence, write_seed

ARTICLE = make_article("source")  # published 2024-04-12, day precision


def problems(tmp_path: Path, files: list[dict[str, Any]]) -> list[str]:
    """The problems reading ``files`` reports (none: the seed is accepted)."""
    try:
        read_seed(write_seed(tmp_path / "seed", files))
    except SeedError as error:
        return error.problems
    return []


def one_file(*sentences: dict[str, Any], **more: Any) -> list[dict[str, Any]]:
    return [{"article": ARTICLE, "sentences": list(sentences), **more}]


def quoted(text: str, **overrides: Any) -> dict[str, Any]:
    return make_sentence("figure", "2024-03", 684, evidence=[{"quote": text}]) | overrides


# Period


def test_a_period_may_not_end_after_its_article_was_published(tmp_path: Path) -> None:
    late = make_sentence("late", "2024-05", 684, evidence=[{"quote": "684 in May"}])
    assert problems(tmp_path, one_file(late)) == [
        "source.yaml: record late: field period.end: 2024-05 is after the article's publication "
        "(2024-04); a period ends at the latest in the month it is published (flag an assumed "
        "end with end_assumed)"
    ]
    same_month = make_sentence("same-month", "2024-04", 684, evidence=[{"quote": "684"}])
    assert problems(tmp_path, one_file(same_month)) == []


def test_a_publication_known_to_the_year_allows_any_month_of_that_year(tmp_path: Path) -> None:
    by_year = make_article("source", published="2024-01-01", published_precision="year")
    december = make_sentence("december", "2024-12", 684, evidence=[{"quote": "684"}])
    assert problems(tmp_path, [{"article": by_year, "sentences": [december]}]) == []
    next_year = make_sentence("next-year", "2025-01", 684, evidence=[{"quote": "684"}])
    assert problems(tmp_path, [{"article": by_year, "sentences": [next_year]}]) == [
        "source.yaml: record next-year: field period.end: 2025-01 is after the article's "
        "publication (2024); a period ends at the latest in the month it is published (flag an "
        "assumed end with end_assumed)"
    ]


def test_a_risk_may_not_be_as_of_after_its_article(tmp_path: Path) -> None:
    rate = make_rate("rate", "RU-BU", 91, "2024-06", evidence=[{"quote": "91 per 10,000"}])
    assert problems(tmp_path, [{"article": ARTICLE, "risks": [rate]}]) == [
        "source.yaml: record rate: field as_of: 2024-06 is after the article's publication "
        "(2024-04); a period ends at the latest in the month it is published (flag an assumed "
        "end with end_assumed)"
    ]


# Value


def test_a_value_no_quote_states_is_refused_unless_derived(tmp_path: Path) -> None:
    unstated = quoted("a record number of sentences")
    assert problems(tmp_path, one_file(unstated)) == [
        "source.yaml: record figure: field value: 684 is not stated by any of its quotes "
        "(quote or quote_en); quote the words that state it, or give derived: {from, rule}"
    ]
    derived = quoted("a record", id="derived", derived={"from": ["stated"], "rule": "as stated"})
    assert problems(tmp_path, one_file(quoted("684 sentences", id="stated"), derived)) == []


def test_a_value_may_be_stated_by_the_english_gloss(tmp_path: Path) -> None:
    glossed = quoted("рекордное число", evidence=[{"quote": "рекорд", "quote_en": "684 sentences"}])
    assert problems(tmp_path, one_file(glossed)) == []


def test_both_ends_of_a_range_must_be_stated(tmp_path: Path) -> None:
    share = quoted(
        "between 20% and 30%",
        value=None,
        value_low=20,
        value_high=35,
        value_qualifier="range",
    )
    assert problems(tmp_path, one_file(share)) == [
        "source.yaml: record figure: field value_high: 35 is not stated by any of its quotes "
        "(quote or quote_en); quote the words that state it, or give derived: {from, rule}"
    ]
    assert problems(tmp_path, one_file(share | {"value_high": 30})) == []


# Precision


@pytest.mark.parametrize(
    ("quote", "value", "word"),
    [
        ("5,2mila casi", 5200, "'mila'"),
        ("11,7 тысячи дел", 11700, "'тысячи'"),
        ("2.3 million people", 2_300_000, "'million'"),
    ],
)
def test_a_value_given_only_through_a_multiplier_word_is_not_exact(
    tmp_path: Path, quote: str, value: int, word: str
) -> None:
    exact = quoted(quote, value=value)
    assert problems(tmp_path, one_file(exact)) == [
        f"source.yaml: record figure: field value_qualifier: the quote gives {value} only as a "
        f"rounded {word} figure: not exact (approximate, or the qualifier its words imply)"
    ]
    assert problems(tmp_path, one_file(exact | {"value_qualifier": "approximate"})) == []


@pytest.mark.parametrize(
    ("quote", "value", "word", "qualifier"),
    [
        ("around 800 sentences monthly", 800, "around", "approximate"),
        ("почти 6 миллионов", 6_000_000, "почти", "approximate"),
        ("over 24,000 requests", 24000, "over", "more_than"),
        ("свыше 13,5 тысячи военных", 13500, "свыше", "more_than"),
        ("at least 49,000 soldiers", 49000, "at least", "at_least"),
        ("30+ times higher", 30, "+", "more_than"),
    ],
)
def test_a_value_next_to_a_qualifying_word_takes_its_qualifier(
    tmp_path: Path, quote: str, value: int, word: str, qualifier: str
) -> None:
    exact = quoted(quote, value=value)
    assert problems(tmp_path, one_file(exact)) == [
        f"source.yaml: record figure: field value_qualifier: the quote says {word!r} {value}: "
        f"value_qualifier {qualifier}, not exact"
    ]
    assert problems(tmp_path, one_file(exact | {"value_qualifier": qualifier})) == []


def test_a_figure_stated_plainly_may_be_exact_beside_a_qualified_one(tmp_path: Path) -> None:
    # Mediazona: "more than seven hundred (718)": 718 itself is stated exactly.
    stated = quoted("they received more than seven hundred (718) AWOL cases", value=718)
    assert problems(tmp_path, one_file(stated)) == []


# Relations


def _related(relation: str, other: dict[str, Any]) -> list[dict[str, Any]]:
    upstream = make_sentence("upstream", "2024-03", 684, evidence=[{"quote": "684 sentences"}])
    return [
        {"article": make_article("upstream-article"), "sentences": [upstream]},
        {
            "article": ARTICLE,
            "sentences": [other],
            "relations": [{"from": other["id"], "relation": relation, "to": "upstream"}],
        },
    ]


def test_corroborates_joins_only_the_same_period_and_offences(tmp_path: Path) -> None:
    february = make_sentence("other", "2024-02", 684, evidence=[{"quote": "684"}])
    assert problems(tmp_path, _related("corroborates", february)) == [
        "source.yaml: relation other corroborates upstream: field relation: corroborates joins "
        "only the same figure, but these differ: period 2024-02..2024-02 vs period "
        "2024-03..2024-03"
    ]
    total = make_sentence(
        "other", "2024-03", 684, criminal_code_articles=[332, 337], evidence=[{"quote": "684"}]
    )
    assert problems(tmp_path, _related("corroborates", total)) == [
        "source.yaml: relation other corroborates upstream: field relation: corroborates joins "
        "only the same figure, but these differ: offences 332,337 vs 337"
    ]
    unnamed = make_sentence(
        "other", "2024-03", 684, criminal_code_articles=[], evidence=[{"quote": "684"}]
    )
    assert problems(tmp_path, _related("corroborates", unnamed)) == []


def test_a_relation_joins_only_the_same_measure_and_region(tmp_path: Path) -> None:
    cases = make_sentence(
        "other", "2024-03", 684, measure="cases_received", evidence=[{"quote": "684"}]
    )
    assert problems(tmp_path, _related("translation_of", cases)) == [
        "source.yaml: relation other translation_of upstream: field relation: translation_of "
        "joins only the same figure, but these differ: measure cases_received (total) vs "
        "measure sentences (total)"
    ]
    regional = make_sentence("other", "2024-03", 684, region="RU-BU", evidence=[{"quote": "684"}])
    assert problems(tmp_path, _related("relays", regional)) == [
        "source.yaml: relation other relays upstream: field relation: relays joins only the "
        "same figure, but these differ: region RU-BU vs region national"
    ]


def test_a_relay_states_the_same_count_or_its_rounding(tmp_path: Path) -> None:
    rounded = make_sentence(
        "other",
        "2024-03",
        700,
        value_qualifier="approximate",
        evidence=[{"quote": "approximately 700"}],
    )
    assert problems(tmp_path, _related("relays", rounded)) == []
    too_far = rounded | {"value": 800, "evidence": [{"quote": "approximately 800"}]}
    assert problems(tmp_path, _related("relays", too_far)) == [
        "source.yaml: relation other relays upstream: field relation: 800 (approximate) does not "
        "repeat 684; a relays states the same count (or its rounding, as its value_qualifier "
        "says)"
    ]
    exact_but_other = make_sentence("other", "2024-03", 700, evidence=[{"quote": "700"}])
    assert problems(tmp_path, _related("translation_of", exact_but_other)) == [
        "source.yaml: relation other translation_of upstream: field relation: 700 does not "
        "repeat 684; a translation_of states the same count (or its rounding, as its "
        "value_qualifier says)"
    ]


def test_contradicts_joins_only_values_that_truly_differ(tmp_path: Path) -> None:
    rounding = make_sentence(
        "other",
        "2024-03",
        700,
        value_qualifier="approximate",
        evidence=[{"quote": "nearly 700"}],
    )
    assert problems(tmp_path, _related("contradicts", rounding)) == [
        "source.yaml: relation other contradicts upstream: field relation: 700 (approximate) and "
        "684 agree (the same value, or within the stated approximation); contradicts only what "
        "truly disagrees"
    ]
    rival = make_sentence("other", "2024-03", 720, evidence=[{"quote": "720"}])
    assert problems(tmp_path, _related("contradicts", rival)) == []
    another_month = make_sentence("other", "2024-02", 720, evidence=[{"quote": "720"}])
    assert (
        "period 2024-02..2024-02 vs period 2024-03..2024-03"
        in problems(tmp_path, _related("contradicts", another_month))[0]
    )


def test_derived_from_is_exempt(tmp_path: Path) -> None:
    # A derivation's inputs are other figures by definition (here another period and basis).
    yearly = make_sentence(
        "other", "2023-01", 8208, rate_basis="per_month", evidence=[{"quote": "8,208"}]
    )
    assert problems(tmp_path, _related("derived_from", yearly)) == []


# The number reader


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("684", 684),
        ("1,200", 1200),
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        ("1\u2009200", 1200),
        ("1.200", 1200),
        ("20 538", 20538),
        ("2.5", 2.5),
        ("0,38%", 0.38),
        ("5,2mila", 5200),
        ("5,2 mila", 5200),
        ("11,7 тысячи", 11700),
        ("70 тыс.", 70000),
        ("2.3 million", 2_300_000),
        ("6 млн", 6_000_000),
        ("twice as many", 2),
        ("в три раза больше", 3),
        ("quadrupled", 4),
    ],
)
def test_the_reader_understands_the_forms_of_the_seed(text: str, value: float) -> None:
    assert value in {reading.value for reading in read_numbers(text)}


@pytest.mark.parametrize("text", ["20-30%", "between 20% and 30%", "20–30"])
def test_a_range_is_read_as_its_two_ends(text: str) -> None:
    assert [reading.value for reading in read_numbers(text)] == [20, 30]


def test_years_and_grouped_numbers_are_not_run_together() -> None:
    # "2024 684" is a year and a count, not 2,024,684; "21, 536" is a date and a count.
    assert [r.value for r in read_numbers("In 2024 684 sentences")] == [2024, 684]
    assert [r.value for r in read_numbers("as of March 21, 536 cases")] == [21, 536]
