"""Disagreement is shown, not hidden: relations both ways, independent source chains, disputes,
derived multipliers that never mix sources or dates, and chart series that flag conflicts.

Built on a small synthetic seed so each rule is exercised in isolation; test_dataset.py checks
the same rules on the real data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.figures import SeriesQuery, monthly_records, offence_sets, series
from app.loader import SeedError, load_seed, read_seed
from app.provenance import CitationGraph
from app.vocab import Measure
from tests.factories import make_article, make_rate, make_sentence, write_seed
from tests.helpers import walk


def synthetic_files() -> list[dict[str, Any]]:
    origin = {
        "article": make_article("origin"),
        "sentences": [
            make_sentence(
                "origin-2024-03", "2024-03", 684, rank="preferred", rank_reason="original count"
            ),
            make_sentence("origin-2024-02", "2024-02", 500),
            make_sentence(
                "origin-2024-02-all", "2024-02", 900, criminal_code_articles=[332, 337, 338]
            ),
        ],
    }
    relay = {
        "article": make_article("relay", cites=[{"article": "origin"}]),
        "sentences": [make_sentence("relay-2024-03", "2024-03", 684)],
        "relations": [
            {"from": "relay-2024-03", "relation": "corroborates", "to": "origin-2024-03"}
        ],
    }
    second_hand = {
        "article": make_article(
            "second-hand",
            cites=[
                {
                    "article": "intel-update",
                    "relation": "via",
                    "publisher": "Intel",
                    "cites": [{"article": "origin"}],
                }
            ],
        ),
        "sentences": [make_sentence("second-hand-2024-03", "2024-03", 684)],
        "relations": [
            {"from": "second-hand-2024-03", "relation": "corroborates", "to": "origin-2024-03"}
        ],
    }
    rival = {
        "article": make_article("rival"),
        "sentences": [
            make_sentence(
                "rival-2024-03", "2024-03", 720, rank="preferred", rank_reason="own count"
            ),
            make_sentence(
                "rival-2024-02-typo",
                "2024-02",
                50,
                rank="deprecated",
                rank_reason="misprint of 500",
            ),
        ],
        "relations": [
            {
                "from": "rival-2024-03",
                "relation": "contradicts",
                "to": "origin-2024-03",
                "note": "different counts",
            }
        ],
    }
    # The rates are of May 2025: their articles are published after it.
    rates = {
        "article": make_article("rates", published="2025-06-02"),
        "risks": [
            make_rate("rates-ty", "RU-TY", 120, "2025-05"),
            make_rate("rates-bu", "RU-BU", 91, "2025-05"),
            make_rate("rates-mow", "RU-MOW", 3, "2025-05"),
            make_rate("rates-bu-2023", "RU-BU", 40, "2023-01"),
        ],
    }
    other_rates = {
        "article": make_article("other-rates", published="2025-06-02"),
        "risks": [make_rate("other-mow", "RU-MOW", 5, "2025-05")],
    }
    stated = {
        "article": make_article("stated"),
        "risks": [
            {
                "id": "stated-bu-33",
                "statement": "Buryatia 33 times Moscow",
                "risk_type": "multiplier",
                "metric": "war_death_rate",
                "region": "RU-BU",
                "reference_region": "RU-MOW",
                "value": 33,
                "value_qualifier": "exact",
                "evidence": [{"quote": "33 times"}],
            }
        ],
        # A stated multiplier disputes another stated multiplier (not a rate: another figure).
        "relations": [{"from": "stated-bu-33", "relation": "contradicts", "to": "stated-bu-30"}],
    }
    stated_again = {
        "article": make_article("stated-again"),
        "risks": [
            {
                "id": "stated-bu-30",
                "statement": "Buryatia 30 times Moscow",
                "risk_type": "multiplier",
                "metric": "war_death_rate",
                "region": "RU-BU",
                "reference_region": "RU-MOW",
                "value": 30,
                "value_qualifier": "exact",
                "evidence": [{"quote": "30 times"}],
            }
        ],
    }
    return [origin, relay, second_hand, rival, rates, other_rates, stated, stated_again]


@pytest.fixture
def synthetic(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> TestClient:
    folder = write_seed(tmp_path / "seed", synthetic_files())
    session = session_for(empty_db)
    load_seed(session, folder)
    session.commit()
    return client_for(empty_db)


def test_corroboration_is_shown_both_ways_with_one_independent_chain(
    synthetic: TestClient,
) -> None:
    origin = synthetic.get("/v1/sentences/origin-2024-03").json()
    assert {r["id"] for r in origin["corroborated_by"]} == {"relay-2024-03", "second-hand-2024-03"}
    assert origin["independent_sources"] == 1  # relay cites origin; second-hand via intel
    relay = synthetic.get("/v1/sentences/relay-2024-03").json()
    assert [r["id"] for r in relay["corroborated_by"]] == ["origin-2024-03"]
    assert relay["corroborated_by"][0]["article"]["id"] == "origin"
    rival = synthetic.get("/v1/sentences/rival-2024-03").json()
    assert rival["independent_sources"] == 1
    assert [r["id"] for r in rival["contradicted_by"]] == ["origin-2024-03"]


def test_independent_articles_count_as_separate_chains(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    files = synthetic_files()
    files[1]["article"]["cites"] = []  # the relay now reports on its own
    session = session_for(empty_db)
    load_seed(session, write_seed(tmp_path / "seed", files))
    session.commit()
    body = client_for(empty_db).get("/v1/sentences/origin-2024-03").json()
    assert body["independent_sources"] == 2


def test_disputes_list_both_sides_with_sources(synthetic: TestClient) -> None:
    disputes = walk(synthetic, "/v1/disputes?limit=1")
    assert {d["id"] for d in disputes} == {
        "rival-2024-03~origin-2024-03",
        "stated-bu-33~stated-bu-30",
    }
    dispute = next(d for d in disputes if d["id"] == "stated-bu-33~stated-bu-30")
    assert [r["id"] for r in dispute["records"]] == ["stated-bu-33", "stated-bu-30"]
    assert all(r["sources"][0]["article"]["url"] for r in dispute["records"])


def test_deprecated_records_are_hidden_unless_asked_for(synthetic: TestClient) -> None:
    ids = {r["id"] for r in walk(synthetic, "/v1/sentences")}
    assert "rival-2024-02-typo" not in ids
    ids = {r["id"] for r in walk(synthetic, "/v1/sentences?include_deprecated=true")}
    assert "rival-2024-02-typo" in ids
    typo = synthetic.get("/v1/sentences/rival-2024-02-typo").json()
    assert (typo["rank"], typo["rank_reason"]) == ("deprecated", "misprint of 500")


def test_multipliers_are_derived_within_one_source_and_date(synthetic: TestClient) -> None:
    items = synthetic.get("/v1/risks/multipliers?reference=RU-MOW").json()["data"]
    derived = {i["region"]["code"]: i for i in items if i["derived"]}
    assert set(derived) == {"RU-BU", "RU-TY"}  # not other-rates' Moscow, not the 2023 rate
    buryatia = derived["RU-BU"]
    assert buryatia["value"] == pytest.approx(30.33)
    assert buryatia["formula"] == "91 / 3 = 30.33"
    assert [i["id"] for i in buryatia["inputs"]] == ["rates-bu", "rates-mow"]
    assert [i["id"] for i in buryatia["derived_from"]] == ["rates-bu", "rates-mow"]
    assert buryatia["metric"] == "war_death_rate"
    assert derived["RU-TY"]["value"] == 40
    stated = [i for i in items if not i["derived"]]
    assert [(i["id"], i["value"], i["formula"]) for i in stated] == [
        ("stated-bu-30", 30, None),
        ("stated-bu-33", 33, None),
    ]
    only = synthetic.get("/v1/risks/multipliers?reference=RU-MOW&region=RU-TY").json()["data"]
    assert [i["region"]["code"] for i in only] == ["RU-TY"]


def test_series_has_one_point_per_covered_month_and_flags_conflicts(
    synthetic: TestClient,
) -> None:
    body = synthetic.get("/v1/sentences/series?measure=sentences&offence=337").json()
    points = body["points"]
    assert [p["month"] for p in points] == ["2024-02", "2024-03", "2024-03"]
    february = points[0]
    assert (february["value"], february["record_id"], february["conflict"]) == (
        500,
        "origin-2024-02",
        False,
    )
    march = {p["record_id"]: p for p in points[1:]}
    assert set(march) == {"origin-2024-03", "rival-2024-03"}
    assert all(p["conflict"] for p in march.values())
    assert march["origin-2024-03"]["conflicting_record_ids"] == ["rival-2024-03"]
    assert march["origin-2024-03"]["independent_sources"] == 1
    assert len(march["origin-2024-03"]["corroborated_by"]) == 2


def test_series_offence_set_must_match_exactly(synthetic: TestClient) -> None:
    body = synthetic.get("/v1/sentences/series?measure=sentences&offence=338,332,337").json()
    assert body["offence"] == [332, 337, 338]
    assert [(p["month"], p["value"]) for p in body["points"]] == [("2024-02", 900)]


def test_series_without_a_preferred_conflict_shows_one_point(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    files = synthetic_files()
    files[3]["sentences"][0] |= {"rank": "normal", "rank_reason": None}
    session = session_for(empty_db)
    load_seed(session, write_seed(tmp_path / "seed", files))
    session.commit()
    body = client_for(empty_db).get("/v1/sentences/series?measure=sentences&offence=337")
    march = [p for p in body.json()["points"] if p["month"] == "2024-03"]
    assert [(p["record_id"], p["conflict"]) for p in march] == [("origin-2024-03", False)]


def test_loader_refuses_a_derivation_from_two_sources(tmp_path: Path) -> None:
    files = synthetic_files()
    files[0]["sentences"].append(
        make_sentence(
            "origin-derived",
            "2024-01",
            2,
            derived={"from": ["origin-2024-02", "relay-2024-03"], "rule": "mixing"},
        )
    )
    with pytest.raises(SeedError, match="inputs come from different sources"):
        read_seed(write_seed(tmp_path / "seed", files))


def test_a_citation_cycle_leading_to_an_origin_is_one_chain() -> None:
    graph = CitationGraph({"a": ["b"], "b": ["a", "origin"]})  # a and b cite each other
    assert graph.roots("a") == graph.roots("b") == {"origin"}
    assert graph.independent_chains(["a", "b", "origin"]) == 1
    assert graph.independent_chains(["a", "other"]) == 2


def test_a_closed_citation_cycle_is_one_chain() -> None:
    graph = CitationGraph({"a": ["b"], "b": ["c"], "c": ["a"]})
    assert graph.independent_chains(["a", "b", "c"]) == 1
    assert graph.roots("a") == graph.roots("c") == {"a"}  # named by its smallest id
    assert graph.independent_chains(["a", "elsewhere"]) == 2


def test_records_quoting_articles_that_cite_each_other_have_one_independent_source(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    first = {
        "article": make_article("first", cites=[{"article": "second"}]),
        "sentences": [make_sentence("first-2024-03", "2024-03", 684)],
        "relations": [
            {"from": "first-2024-03", "relation": "corroborates", "to": "second-2024-03"}
        ],
    }
    second = {
        "article": make_article("second", cites=[{"article": "first"}]),
        "sentences": [make_sentence("second-2024-03", "2024-03", 684)],
    }
    session = session_for(empty_db)
    load_seed(session, write_seed(tmp_path / "seed", [first, second]))
    session.commit()
    body = client_for(empty_db).get("/v1/sentences/first-2024-03").json()
    assert [r["id"] for r in body["corroborated_by"]] == ["second-2024-03"]
    assert body["independent_sources"] == 1


def test_a_relay_folds_into_its_upstream_even_when_it_rounds_or_names_no_offence(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    files = synthetic_files()
    files[1]["sentences"][0] |= {
        "value": 700,
        "value_qualifier": "approximate",
        "criminal_code_articles": [],
        "evidence": [{"quote": "approximately 700 sentences"}],
    }
    files[3]["sentences"][0] |= {"rank": "normal", "rank_reason": None}  # no rival
    session = session_for(empty_db)
    load_seed(session, write_seed(tmp_path / "seed", files))
    session.commit()
    body = client_for(empty_db).get("/v1/sentences/series?measure=sentences&offence=337").json()
    march = [p for p in body["points"] if p["month"] == "2024-03"]
    assert [(p["record_id"], p["value"], p["conflict"]) for p in march] == [
        ("origin-2024-03", 684, False)
    ]
    assert set(march[0]["corroborating_record_ids"]) == {"relay-2024-03", "second-hand-2024-03"}
    assert march[0]["period_label"] == "March 2024"


def test_an_unlinked_disagreeing_record_of_another_chain_is_a_conflict(
    synthetic: TestClient,
) -> None:
    body = synthetic.get("/v1/sentences/series?measure=sentences&offence=337").json()
    rival = next(p for p in body["points"] if p["record_id"] == "rival-2024-03")
    assert rival["conflict"] is True
    assert rival["corroborating_record_ids"] == []
    assert rival["conflicting_record_ids"] == ["origin-2024-03"]


def test_the_series_defaults_to_the_broadest_offence_set(synthetic: TestClient) -> None:
    body = synthetic.get("/v1/sentences/series?measure=sentences").json()
    assert body["offence"] == [332, 337, 338]  # the total, not its part 337
    assert [(p["month"], p["value"]) for p in body["points"]] == [("2024-02", 900)]


@pytest.mark.parametrize("seeded", [True, False], ids=["seed", "synthetic"])
def test_the_series_reads_only_its_records_and_gets_the_same_points(
    seeded: bool,
    tmp_path: Path,
    empty_db: str,
    seeded_db: str,
    session_for: Callable[[str], Session],
) -> None:
    """The series presents only the records of its offence set and those linked to them (not
    every record of the measure); its points must be those computed from every record, for
    every measure, offence set (the default too) and region."""
    if seeded:
        session = session_for(seeded_db)
    else:
        session = session_for(empty_db)
        load_seed(session, write_seed(tmp_path / "seed", synthetic_files()))
        session.commit()
    compared = 0
    for measure in Measure:
        for region in (None, "RU-BU", "RU-MOW"):
            every = monthly_records(session, SeriesQuery(measure, region=region))
            for offence in [None, *offence_sets(every)]:
                text = ",".join(map(str, offence)) if offence else None
                query = SeriesQuery(measure, text, region=region)
                expected = series(session, query, monthly_records(session, query))
                assert series(session, query) == expected, (measure, offence, region)
                compared += len(expected["points"])
    assert compared > 0
