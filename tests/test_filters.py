"""Filters select exactly the records whose fields match, computed from the seed files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.families.claim import ClaimIn
from app.families.risk import RiskIn
from app.families.sentence import SentenceIn
from app.loader import load_seed
from tests.factories import make_article, make_sentence, write_seed
from tests.helpers import seed, walk


def sentences() -> list[SentenceIn]:
    return [
        p.model
        for p in seed().records.values()
        if isinstance(p.model, SentenceIn) and p.model.rank.value != "deprecated"
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [("2024-01", "2024-12"), ("2023-06", "2023-06"), ("2025-01", None), (None, "2022-12")],
)
def test_sentences_by_month_range(client: TestClient, start: str | None, end: str | None) -> None:
    query = "&".join(f"{k}={v}" for k, v in (("from", start), ("to", end)) if v)
    got = {item["id"] for item in walk(client, f"/v1/sentences?{query}")}
    lo = date.fromisoformat(f"{start}-01") if start else date.min
    hi = date.fromisoformat(f"{end}-01") if end else date.max
    want = {s.id for s in sentences() if s.period.end >= lo and s.period.start <= hi}
    assert got == want
    for item in walk(client, f"/v1/sentences?{query}"):
        assert item["period_end"] >= (start or "0000")
        assert item["period_start"] <= (end or "9999")


def test_sentences_by_measure(client: TestClient) -> None:
    for measure in {s.measure.value for s in sentences()}:
        got = {item["id"] for item in walk(client, f"/v1/sentences?measure={measure}")}
        assert got == {s.id for s in sentences() if s.measure.value == measure}


def test_sentences_by_region_national_records_excluded(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    """No seeded sentence has a region yet, so regional ones are made here."""
    files = [
        {
            "article": make_article("regional"),
            "sentences": [
                make_sentence("bu-2024-01", "2024-01", 12, region="RU-BU"),
                make_sentence("bu-2024-02", "2024-02", 15, region="RU-BU"),
                make_sentence("ty-2024-01", "2024-01", 7, region="RU-TY"),
                make_sentence("national-2024-01", "2024-01", 684),
            ],
        }
    ]
    session = session_for(empty_db)
    load_seed(session, write_seed(tmp_path / "seed", files))
    session.commit()
    client = client_for(empty_db)
    buryatia = walk(client, "/v1/sentences?region=RU-BU")
    assert [item["id"] for item in buryatia] == ["bu-2024-01", "bu-2024-02"]
    assert {item["region"]["code"] for item in buryatia} == {"RU-BU"}
    assert len(walk(client, "/v1/sentences")) == 4  # the national one is there, unfiltered


def test_risks_by_region_reference_and_metric(client: TestClient) -> None:
    risks = [
        p.model
        for p in seed().records.values()
        if isinstance(p.model, RiskIn) and p.model.rank.value != "deprecated"
    ]
    got = {i["id"] for i in walk(client, "/v1/risks?region=RU-BU&reference=RU-MOW")}
    assert got == {r.id for r in risks if r.region == "RU-BU" and r.reference_region == "RU-MOW"}
    assert "dagens-buryatia-vs-moscow-death-likelihood" in got
    got = {i["id"] for i in walk(client, "/v1/risks?metric=war_death_rate")}
    assert got == {r.id for r in risks if r.metric == "war_death_rate"}


def test_claims_by_speaker_kind_and_article(client: TestClient) -> None:
    claims: list[tuple[str, ClaimIn]] = []
    for planned in seed().records.values():
        if isinstance(planned.model, ClaimIn) and planned.model.rank.value != "deprecated":
            claims.append((planned.article_id, planned.model))
    got = {i["id"] for i in walk(client, "/v1/claims?speaker=grigory-sverdlin")}
    assert got == {c.id for _, c in claims if c.speaker == "grigory-sverdlin"}
    assert len(got) >= 2
    got = {i["id"] for i in walk(client, "/v1/claims?claim_kind=event")}
    assert got == {c.id for _, c in claims if c.claim_kind.value == "event"}
    article = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"
    got = {i["id"] for i in walk(client, f"/v1/claims?article={article}")}
    assert got == {c.id for a, c in claims if a == article}


@pytest.mark.parametrize(
    ("granularity", "labels"),
    [
        ("month", {"March 2024"}),
        ("year", {"Jan–Oct 2024"}),
        ("multi_year", {"2022–2025"}),
    ],
)
def test_granularity_keeps_figures_over_periods_of_that_length(
    client: TestClient, granularity: str, labels: set[str]
) -> None:
    query = f"measure=sentences&from=2024-03&to=2024-03&granularity={granularity}"
    found = walk(client, f"/v1/sentences?{query}")
    assert found
    # The months covered, without what the label adds about assumed months ("(end assumed)").
    assert {r["period_label"].split(" (")[0] for r in found} == labels


def test_a_single_month_with_granularity_month_pages_through_monthly_figures_only(
    client: TestClient,
) -> None:
    query = "measure=sentences&from=2024-03&to=2024-03&granularity=month"
    found = walk(client, f"/v1/sentences?{query}&limit=1")
    assert all(r["period_start"] == r["period_end"] == "2024-03" for r in found)
    assert "mediazona-2024-03-sentences-337" in {r["id"] for r in found}
    assert len(found) == len(client.get(f"/v1/sentences?{query}").json()["data"])
