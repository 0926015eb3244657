"""The fields of the curation standard (docs/curation.md), served end to end: a measure's
definition and unit, assumed period ends, and relays / translations of a count.

Built on a small synthetic seed, so each field is exercised in isolation."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.loader import SeedError, load_seed, read_seed
from app.present import period_label
from app.vocab import Measure
from tests.factories import make_article, make_sentence, write_seed


def test_period_label_says_which_month_was_assumed() -> None:
    june = date(2022, 6, 1)
    assert period_label(june, june) == "June 2022"
    assert period_label(june, june, start_assumed=True) == "June 2022 (start assumed)"
    assert period_label(date(2022, 2, 1), june, end_assumed=True) == "Feb–Jun 2022 (end assumed)"
    both = period_label(date(2022, 2, 1), june, start_assumed=True, end_assumed=True)
    assert both == "Feb–Jun 2022 (start and end assumed)"


def test_every_measure_has_a_definition_and_a_unit_in_the_openapi(client: TestClient) -> None:
    described = client.get("/openapi.json").json()["components"]["schemas"]["Measure"]
    assert set(described["enum"]) == {m.value for m in Measure}
    for measure in Measure:
        assert len(measure.definition) > 40, measure
        assert f"- {measure.value}: {measure.definition}" in described["description"]
    assert Measure.cases_opened.unit.value == "cases"


def assumed_files() -> list[dict[str, Any]]:
    return [
        {
            "article": make_article("assumed"),
            "sentences": [
                make_sentence(
                    "assumed-mid-2022",
                    "2022-06",
                    300,
                    period={"start": "2022-02", "end": "2022-06", "start_assumed": True},
                    rate_basis="total",
                ),
                make_sentence("stated-2024-03", "2024-03", 684),
            ],
            "claims": [
                {
                    "id": "assumed-claim",
                    "statement": "By mid-2022, 40 requests",
                    "claim_kind": "statistic",
                    "period": {"start": "2022-02", "end": "2022-06", "end_assumed": True},
                    "evidence": [{"quote": "by mid-2022"}],
                },
                {
                    "id": "undated-claim",
                    "statement": "Desertion is common",
                    "claim_kind": "assessment",
                    "evidence": [{"quote": "common"}],
                },
            ],
        }
    ]


@pytest.fixture
def seeded_with(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> Callable[[list[dict[str, Any]]], TestClient]:
    def load(files: list[dict[str, Any]]) -> TestClient:
        session = session_for(empty_db)
        load_seed(session, write_seed(tmp_path / "seed", files))
        session.commit()
        return client_for(empty_db)

    return load


def test_assumed_period_ends_are_served_in_json_csv_and_ndjson(
    seeded_with: Callable[[list[dict[str, Any]]], TestClient],
) -> None:
    client = seeded_with(assumed_files())
    body = client.get("/v1/sentences/assumed-mid-2022").json()
    assert (body["period_start_assumed"], body["period_end_assumed"]) == (True, False)
    assert body["period_label"] == "Feb–Jun 2022 (start assumed)"
    stated = client.get("/v1/sentences/stated-2024-03").json()
    assert (stated["period_start_assumed"], stated["period_end_assumed"]) == (False, False)
    assert stated["period_label"] == "March 2024"

    table = {r["id"]: r for r in csv.DictReader(io.StringIO(client.get("/v1/sentences.csv").text))}
    assert table["assumed-mid-2022"]["period_start_assumed"] == "true"
    assert table["stated-2024-03"]["period_start_assumed"] == "false"
    lines = client.get("/v1/claims.ndjson").text.splitlines()
    claims = {item["id"]: item for item in map(json.loads, lines)}
    assumed = claims["assumed-claim"]
    assert (assumed["period_start_assumed"], assumed["period_end_assumed"]) == (False, True)
    assert assumed["period_label"] == "Feb–Jun 2022 (end assumed)"
    undated = claims["undated-claim"]  # no period: nothing to assume
    assert (undated["period_start_assumed"], undated["period_end_assumed"]) == (None, None)
    hits = client.get("/v1/search", params={"q": "sentences"}).json()["data"]
    labels = {hit["id"]: hit["period_label"] for hit in hits}
    assert labels["assumed-mid-2022"] == "Feb–Jun 2022 (start assumed)"  # search says it too
    assert labels["stated-2024-03"] == "March 2024"


def relay_files() -> list[dict[str, Any]]:
    """Mediazona-like upstream, a relay that rounds it and a translation of the relay."""
    return [
        {
            "article": make_article("upstream"),
            "sentences": [make_sentence("upstream-2024-03", "2024-03", 684)],
        },
        {
            "article": make_article("relay"),
            "sentences": [
                make_sentence(
                    "relay-2024-03",
                    "2024-03",
                    700,
                    value_qualifier="approximate",
                    evidence=[{"quote": "approximately 700 sentences"}],
                )
            ],
            "relations": [
                {"from": "relay-2024-03", "relation": "relays", "to": "upstream-2024-03"}
            ],
        },
        {
            "article": make_article("relay-ru", language="ru"),
            "sentences": [
                make_sentence(
                    "relay-ru-2024-03",
                    "2024-03",
                    700,
                    value_qualifier="approximate",
                    evidence=[{"quote": "около 700 приговоров"}],
                )
            ],
            "relations": [
                {"from": "relay-ru-2024-03", "relation": "translation_of", "to": "relay-2024-03"}
            ],
        },
    ]


def test_relays_and_translations_corroborate_without_counting_as_independent(
    seeded_with: Callable[[list[dict[str, Any]]], TestClient],
) -> None:
    client = seeded_with(relay_files())
    upstream = client.get("/v1/sentences/upstream-2024-03").json()
    assert [(r["id"], r["relation"], r["outgoing"]) for r in upstream["corroborated_by"]] == [
        ("relay-2024-03", "relays", False)
    ]
    assert upstream["independent_sources"] == 1  # no citation links: only the relation says so
    relay = client.get("/v1/sentences/relay-2024-03").json()
    assert {(r["id"], r["relation"], r["outgoing"]) for r in relay["corroborated_by"]} == {
        ("upstream-2024-03", "relays", True),
        ("relay-ru-2024-03", "translation_of", False),
    }
    assert relay["independent_sources"] == 1


def test_the_relation_kinds_are_in_the_openapi(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"relays", "translation_of"} <= set(schemas["RecordRelationKind"]["enum"])
    assert schemas["RelatedRecord"]["properties"]["relation"]["$ref"].endswith("RecordRelationKind")


def test_a_measure_is_stated_in_its_own_unit(tmp_path: Path) -> None:
    opened = make_sentence("opened", "2024-03", 536, measure="cases_opened", unit="cases")
    article = make_article("opened-article")
    read_seed(write_seed(tmp_path / "good", [{"article": article, "sentences": [opened]}]))
    wrong = opened | {"unit": "people"}
    with pytest.raises(SeedError) as refused:
        read_seed(write_seed(tmp_path / "bad", [{"article": article, "sentences": [wrong]}]))
    assert (
        "opened-article.yaml: record opened: field unit: 'people', but measure cases_opened "
        "counts 'cases' (app.vocab.Measure)"
    ) in refused.value.problems


def test_a_relay_and_a_translation_fold_into_their_upstream_point(
    seeded_with: Callable[[list[dict[str, Any]]], TestClient],
) -> None:
    # No citation links between the articles: only the explicit relations can fold them.
    client = seeded_with(relay_files())
    body = client.get("/v1/sentences/series?measure=sentences&offence=337").json()
    assert [(p["record_id"], p["value"], p["conflict"]) for p in body["points"]] == [
        ("upstream-2024-03", 684, False)
    ]
    point = body["points"][0]
    assert point["independent_sources"] == 1
    assert set(point["corroborating_record_ids"]) == {"relay-2024-03", "relay-ru-2024-03"}
    assert point["conflicting_record_ids"] == []


def test_a_relay_never_heads_the_point_even_when_ranked_above_its_upstream(
    seeded_with: Callable[[list[dict[str, Any]]], TestClient],
) -> None:
    files = relay_files()
    files[1]["sentences"][0] |= {"rank": "preferred", "rank_reason": "clearest wording"}
    body = seeded_with(files).get("/v1/sentences/series?measure=sentences&offence=337").json()
    assert [p["record_id"] for p in body["points"]] == ["upstream-2024-03"]


def test_independent_sources_that_disagree_are_a_conflict(
    seeded_with: Callable[[list[dict[str, Any]]], TestClient],
) -> None:
    files = relay_files()
    files.append(
        {
            "article": make_article("rival"),
            "sentences": [make_sentence("rival-2024-03", "2024-03", 720)],
        }
    )
    body = seeded_with(files).get("/v1/sentences/series?measure=sentences&offence=337").json()
    shown = {p["record_id"]: p for p in body["points"]}
    assert set(shown) == {"upstream-2024-03", "rival-2024-03"}  # the relays still fold
    assert shown["upstream-2024-03"]["conflict"] is True
    assert shown["upstream-2024-03"]["conflicting_record_ids"] == ["rival-2024-03"]
    assert shown["rival-2024-03"]["conflicting_record_ids"] == ["upstream-2024-03"]
