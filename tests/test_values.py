"""Values a reader can use: counts as integers, units from a vocabulary, labels beside the codes,
periods in words, regions by their English name, and one name for the claim kind."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.families.claim import ClaimIn
from app.families.risk import RiskIn
from app.families.sentence import SentenceIn
from app.present import period_label
from app.vocab import ClaimKind, Labelled, Measure, Metric, Unit, whole
from tests.helpers import seed, walk


def csv_rows(client: TestClient, url: str, key: str = "id") -> dict[str, dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return {row[key]: row for row in csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))}


def a_record(kind: type[Any], **wanted: Any) -> Any:
    """The first seed record of input model ``kind`` whose fields have the ``wanted`` values."""
    return next(
        planned.model
        for planned in seed().records.values()
        if isinstance(planned.model, kind)
        and planned.model.rank.value != "deprecated"
        and all(getattr(planned.model, name) == value for name, value in wanted.items())
    )


# Periods


@pytest.mark.parametrize(
    ("start", "end", "precision", "expected"),
    [
        ((2024, 3), (2024, 3), None, "March 2024"),
        ((2024, 1), (2024, 12), None, "2024"),
        ((2024, 1), (2024, 7), None, "Jan–Jul 2024"),
        ((2022, 9), (2025, 5), None, "Sep 2022 – May 2025"),
        ((2022, 1), (2023, 12), None, "2022–2023"),
        ((2023, 6), (2024, 12), None, "Jun 2023 – Dec 2024"),
        ((2025, 5), None, None, "May 2025"),
        ((2025, 5), None, "year", "2025"),
        ((2025, 5), None, "month", "May 2025"),
    ],
)
def test_a_period_label_is_as_short_as_its_months_allow(
    start: tuple[int, int], end: tuple[int, int] | None, precision: str | None, expected: str
) -> None:
    first = date(*start, 1)
    last = date(*end, 1) if end else None
    assert period_label(first, last, precision) == expected


def test_no_period_has_no_label() -> None:
    assert period_label(None, None) is None


def test_sentences_and_claims_carry_their_period_label_in_json_and_csv(
    client: TestClient,
) -> None:
    sentence = a_record(SentenceIn, measure=Measure.sentences)
    body = client.get(f"/v1/sentences/{sentence.id}").json()
    assert body["period_label"] == period_label(sentence.period.start, sentence.period.end)
    row = csv_rows(client, "/v1/sentences.csv")[sentence.id]
    assert row["period_label"] == body["period_label"]
    dated = next(c for c in walk(client, "/v1/claims?limit=500") if c["period_start"])
    undated = next(c for c in walk(client, "/v1/claims?limit=500") if not c["period_start"])
    assert dated["period_label"]
    assert undated["period_label"] is None
    rows = csv_rows(client, "/v1/claims.csv")
    assert rows[dated["id"]]["period_label"] == dated["period_label"]
    assert rows[undated["id"]]["period_label"] == ""


def test_a_risk_carries_its_as_of_label(client: TestClient) -> None:
    risk = next(
        p.model
        for p in seed().records.values()
        if isinstance(p.model, RiskIn) and p.model.as_of is not None
    )
    body = client.get(f"/v1/risks/{risk.id}").json()
    precision = risk.as_of_precision.value if risk.as_of_precision else None
    assert body["as_of_label"] == period_label(risk.as_of, precision=precision)
    assert csv_rows(client, "/v1/risks.csv")[risk.id]["as_of_label"] == body["as_of_label"]


# Counts


def test_a_count_is_an_integer_in_json_and_csv(client: TestClient) -> None:
    sentence = a_record(SentenceIn, measure=Measure.sentences)
    assert sentence.value is not None
    assert sentence.value.is_integer()
    response = client.get(f"/v1/sentences/{sentence.id}")
    assert f'"value":{int(sentence.value)},' in response.text  # 684, not 684.0
    assert type(response.json()["value"]) is int
    row = csv_rows(client, "/v1/sentences.csv")[sentence.id]
    assert row["value"] == str(int(sentence.value))


def test_a_ratio_or_share_keeps_its_number_as_given(client: TestClient) -> None:
    multiplier = a_record(RiskIn, unit=Unit.times)
    response = client.get(f"/v1/risks/{multiplier.id}")
    assert type(response.json()["value"]) is float
    assert csv_rows(client, "/v1/risks.csv")[multiplier.id]["value"] == str(multiplier.value)


def test_related_records_show_counts_as_integers(client: TestClient) -> None:
    related = [
        other
        for item in walk(client, "/v1/sentences?limit=500")
        for other in item["corroborated_by"]
        if other["value"] is not None
    ]
    assert related
    assert all(type(other["value"]) is int for other in related)


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (684.0, "sentences", 684),
        (2.5, "requests", 2.5),  # an average of a count is not rounded
        (33.0, "times", 33.0),
        (0.38, "percent", 0.38),
        (91.0, "deaths_per_10000_men", 91.0),
        (None, "cases", None),
        (12.0, None, 12.0),
    ],
)
def test_only_a_whole_count_becomes_an_integer(
    value: float | None, unit: str | None, shown: float | int | None
) -> None:
    assert whole(value, unit) == shown
    assert type(whole(value, unit)) is type(shown)


# Units and labels


def test_every_record_of_one_measure_or_metric_shares_a_unit() -> None:
    units: dict[str, set[Unit]] = {}
    for planned in seed().records.values():
        model = planned.model
        what = model.measure if isinstance(model, SentenceIn) else model.metric
        if what is not None and model.unit is not None:
            units.setdefault(what.value, set()).add(model.unit)
    assert units
    assert {what: found for what, found in units.items() if len(found) > 1} == {}


@pytest.mark.parametrize("vocabulary", [Measure, Metric, Unit, ClaimKind])
def test_every_value_of_a_vocabulary_has_its_own_label(vocabulary: type[Labelled]) -> None:
    labels = [member.label for member in vocabulary]
    assert all(labels)
    assert len(set(labels)) == len(labels)


def test_the_seed_uses_every_metric_it_labels() -> None:
    """The metric vocabulary is the seed's closed set: no label for a metric nothing uses."""
    used = {
        p.model.metric for p in seed().records.values() if isinstance(p.model, RiskIn | ClaimIn)
    }
    assert set(Metric) == used - {None}


def test_records_carry_the_labels_of_their_codes_in_json_and_csv(client: TestClient) -> None:
    sentence = a_record(SentenceIn, measure=Measure.sentences)
    body = client.get(f"/v1/sentences/{sentence.id}").json()
    assert body["measure_label"] == Measure.sentences.label
    assert body["unit_label"] == Unit(body["unit"]).label
    row = csv_rows(client, "/v1/sentences.csv")[sentence.id]
    assert (row["measure_label"], row["unit_label"]) == (body["measure_label"], body["unit_label"])

    claim = a_record(ClaimIn, claim_kind=ClaimKind.statistic, metric=Metric.deserters_helped)
    body = client.get(f"/v1/claims/{claim.id}").json()
    assert body["claim_kind_label"] == ClaimKind.statistic.label
    assert body["metric_label"] == Metric.deserters_helped.label
    row = csv_rows(client, "/v1/claims.csv")[claim.id]
    assert row["claim_kind_label"] == body["claim_kind_label"]
    assert row["metric_label"] == body["metric_label"]

    risk = a_record(RiskIn, metric=Metric.war_death_rate)
    body = client.get(f"/v1/risks/{risk.id}").json()
    assert body["metric_label"] == Metric.war_death_rate.label
    assert csv_rows(client, "/v1/risks.csv")[risk.id]["metric_label"] == body["metric_label"]


def test_a_claim_without_a_metric_has_no_metric_label(client: TestClient) -> None:
    quote = a_record(ClaimIn, claim_kind=ClaimKind.quote)
    body = client.get(f"/v1/claims/{quote.id}").json()
    assert body["metric"] is None
    assert body["metric_label"] is None
    assert body["claim_kind_label"] == ClaimKind.quote.label


def test_a_rate_claim_says_its_rate_basis_and_counts_in_plain_units(client: TestClient) -> None:
    rate = next(
        p.model
        for p in seed().records.values()
        if isinstance(p.model, ClaimIn) and p.model.rate_basis is not None
    )
    body = client.get(f"/v1/claims/{rate.id}").json()
    assert body["rate_basis"] == rate.rate_basis.value  # type: ignore[union-attr]
    assert Unit(body["unit"]).is_count


def test_derived_multipliers_carry_labels_too(client: TestClient) -> None:
    items = client.get("/v1/risks/multipliers?reference=RU-MOW").json()["data"]
    derived = [item for item in items if item["derived"]]
    assert derived
    for item in derived:
        assert item["unit_label"] == Unit.times.label
        assert item["metric_label"] == Metric(item["metric"]).label


# Regions


def test_a_record_names_its_region_in_english_beside_the_iso_name(client: TestClient) -> None:
    risk = a_record(RiskIn, region="RU-BU")
    region = client.get(f"/v1/risks/{risk.id}").json()["region"]
    assert region == {
        "code": "RU-BU",
        "name": "Buryatia",
        "name_iso": "Buryatiya, Respublika",
        "name_ru": "Республика Бурятия",
    }
    assert csv_rows(client, "/v1/risks.csv")[risk.id]["region_name"] == "Buryatia"
    regions = csv_rows(client, "/v1/regions.csv", key="code")
    assert (regions["RU-BU"]["name"], regions["RU-BU"]["name_iso"]) == (
        "Buryatia",
        "Buryatiya, Respublika",
    )


# Claim kind


def test_the_claim_kind_filter_and_facet_are_named_as_the_field(client: TestClient) -> None:
    events = walk(client, "/v1/claims?claim_kind=event&limit=500")
    assert events
    assert {c["claim_kind"] for c in events} == {"event"}
    assert client.get("/v1/claims?kind=event").status_code == 400  # the old name is gone
    facets = client.get("/v1/claims?facet=claim_kind").json()["facets"]["claim_kind"]
    assert {f["value"]: f["count"] for f in facets}["event"] == len(events)


# Version


def test_the_api_version_is_the_package_version(client: TestClient) -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert client.get("/openapi.json").json()["info"]["version"] == "0.2.0"
    assert pyproject["project"]["version"] == "0.2.0"
