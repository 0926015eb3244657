"""Every list endpoint serves exactly the seeded records, each with its evidence and citation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import expected_ids, seed, walk

FAMILIES = [("sentences", "sentence"), ("risks", "risk"), ("claims", "claim")]


@pytest.mark.parametrize(("path", "kind"), FAMILIES)
def test_list_serves_every_non_deprecated_record(client: TestClient, path: str, kind: str) -> None:
    items = walk(client, f"/v1/{path}?limit=3")
    assert [item["id"] for item in items] == list(dict.fromkeys(i["id"] for i in items))
    assert {item["id"] for item in items} == expected_ids(kind)


@pytest.mark.parametrize(("path", "kind"), FAMILIES)
def test_include_deprecated_adds_deprecated_records(
    client: TestClient, path: str, kind: str
) -> None:
    items = walk(client, f"/v1/{path}?include_deprecated=true")
    assert {item["id"] for item in items} == expected_ids(kind, include_deprecated=True)


@pytest.mark.parametrize(("path", "kind"), FAMILIES)
def test_every_record_has_a_source_with_url_and_quote(
    client: TestClient, path: str, kind: str
) -> None:
    for item in walk(client, f"/v1/{path}?include_deprecated=true&limit=500"):
        assert item["sources"], item["id"]
        planned = seed().records[item["id"]]
        for source, evidence in zip(item["sources"], planned.model.evidence, strict=True):
            assert source["article"]["url"].startswith("http")
            assert source["article"]["id"] == planned.article_id
            assert source["quote"] == evidence.quote
        article = seed().articles[planned.article_id]
        assert item["citation"].endswith(str(article.url))
        assert article.publisher in item["citation"]


@pytest.mark.parametrize(("path", "kind"), FAMILIES)
def test_get_one_matches_the_list_item(client: TestClient, path: str, kind: str) -> None:
    first = client.get(f"/v1/{path}?limit=1").json()["data"][0]
    response = client.get(f"/v1/{path}/{first['id']}")
    assert response.status_code == 200
    assert response.json() == first


def test_sentence_from_the_seed_article(client: TestClient) -> None:
    body = client.get("/v1/sentences/dagens-2024-sentences-per-month").json()
    assert body["value"] == 800
    assert body["value_qualifier"] == "approximate"
    # "In 2024" in an article of 2 October 2024: the period ends with the article's month.
    assert (body["period_start"], body["period_end"]) == ("2024-01", "2024-10")
    assert (body["period_start_assumed"], body["period_end_assumed"]) == (True, True)
    assert body["period_label"] == "Jan–Oct 2024 (start and end assumed)"
    assert body["measure"] == "sentences"
    assert body["rate_basis"] == "per_month"
    assert body["region"] is None
    assert body["citation"] == (
        "Kathrine Frich, 'Russian Soldiers Flee to the Forest as Desertion Rates Hit Record "
        "High', Dagens, 2 October 2024, https://dagens.com/war/russian-soldiers-flee-to-the-"
        "forest-as-desertion-rates-hit-record-high"
    )
    article = body["sources"][0]["article"]
    assert article["published_at"] == "2024-10-02T08:17Z"
    assert article["published_precision"] == "minute"
    assert body["sources"][0]["verified"] is True


def test_derived_figure_says_how_it_was_derived(client: TestClient) -> None:
    body = client.get("/v1/sentences/dagens-2023-sentences-per-month-derived").json()
    assert body["derived"] is True
    assert body["value"] == 400
    assert "800 / 2" in body["derivation"]


def test_range_claim_keeps_its_bounds_and_speaker(client: TestClient) -> None:
    body = client.get("/v1/claims/dagens-sverdlin-share-staying-in-russia").json()
    assert (body["value_low"], body["value_high"], body["value"]) == (20, 30, None)
    assert body["value_qualifier"] == "range"
    assert body["unit"] == "percent"
    assert body["speaker"]["name"] == "Grigory Sverdlin"
    assert "Run to the Forest" in body["organisation"]["aliases"]
    assert body["uncertain"] is True


def test_risk_embeds_region_and_reference(client: TestClient) -> None:
    body = client.get("/v1/risks/dagens-buryatia-vs-moscow-death-likelihood").json()
    assert body["region"]["code"] == "RU-BU"
    assert body["region"]["name_ru"] == "Республика Бурятия"
    assert body["reference_region"]["code"] == "RU-MOW"
    assert body["value"] == 33
    assert body["risk_type"] == "multiplier"
