"""Every id the API hands out resolves: each list's items, the ids records embed (relations,
speakers, organisations, articles), and derived multipliers, which are computed, not stored:
their detail and /cite answer, and their inputs' entries in the change feed are their place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.loader import load_seed
from app.schemas.records import DETAIL_MODELS, MultiplierRead
from tests.factories import edit, make_article, make_rate, write_seed
from tests.helpers import assert_problem, walk
from tests.test_response_schemas import assert_exactly

# Where the detail of what each list hands out lives.
LISTS = {
    "/v1/sentences?include_deprecated=true": "/v1/sentences",
    "/v1/risks?include_deprecated=true": "/v1/risks",
    "/v1/claims?include_deprecated=true": "/v1/claims",
    "/v1/articles": "/v1/articles",
    "/v1/regions": "/v1/regions",
    "/v1/people": "/v1/people",
    "/v1/organisations": "/v1/organisations",
}


def references(client: TestClient) -> set[str]:
    """Every reference region a multiplier can be asked for: those of stated multipliers and
    those of the rates a derived one divides by."""
    risks = walk(client, "/v1/risks?limit=500")
    return {r["reference_region"]["code"] for r in risks if r["reference_region"]} | {
        r["region"]["code"] for r in risks if r["risk_type"] == "rate"
    }


def handed_out(client: TestClient) -> dict[str, set[str]]:
    """Each detail path prefix with every id the lists show for it, embedded ids included."""
    ids: dict[str, set[str]] = {detail: set() for detail in LISTS.values()}
    records: list[dict[str, Any]] = []
    for url, detail in LISTS.items():
        items = walk(client, f"{url}{'&' if '?' in url else '?'}limit=500")
        key = "code" if detail == "/v1/regions" else "id"
        ids[detail] |= {item[key] for item in items}
        if "include_deprecated" in url:
            records += items
    for reference in references(client):
        multipliers = client.get(f"/v1/risks/multipliers?reference={reference}").json()["data"]
        ids["/v1/risks"] |= {item["id"] for item in multipliers}
        records += multipliers
    kinds = {"sentence": "/v1/sentences", "risk": "/v1/risks", "claim": "/v1/claims"}
    for record in records:
        for relation in ("corroborated_by", "contradicted_by", "derived_from"):
            for other in record[relation]:
                ids[kinds[other["kind"]]].add(other["id"])
                ids["/v1/articles"].add(other["article"]["id"])
        ids["/v1/articles"] |= {source["article"]["id"] for source in record["sources"]}
        for region in (record["region"], record.get("reference_region")):
            if region:
                ids["/v1/regions"].add(region["code"])
        if record.get("speaker"):
            ids["/v1/people"].add(record["speaker"]["id"])
            if record["speaker"]["organisation"]:
                ids["/v1/organisations"].add(record["speaker"]["organisation"])
        if record.get("organisation"):
            ids["/v1/organisations"].add(record["organisation"]["id"])
    return ids


def test_every_id_any_list_hands_out_resolves(client: TestClient) -> None:
    ids = handed_out(client)
    assert any(i.startswith("derived-") for i in ids["/v1/risks"])  # derived ones are walked
    failures = []
    for detail, found in ids.items():
        assert found, detail
        for one in sorted(found):
            urls = [f"{detail}/{one}"]
            if detail in ("/v1/sentences", "/v1/risks", "/v1/claims", "/v1/articles"):
                urls.append(f"{detail}/{one}/cite")
            failures += [f"{url}: {status}" for url in urls if (status := status_of(client, url))]
    assert failures == []


def status_of(client: TestClient, url: str) -> int | None:
    """None when ``url`` answers 200, else its status."""
    status = client.get(url).status_code
    return None if status == 200 else status


def derived(client: TestClient, reference: str = "RU-MOW") -> list[dict[str, Any]]:
    items = client.get(f"/v1/risks/multipliers?reference={reference}").json()["data"]
    return [item for item in items if item["derived"]]


def test_every_derived_multiplier_resolves_as_listed(client: TestClient) -> None:
    multipliers = derived(client)
    assert len(multipliers) >= 3
    for item in multipliers:
        response = client.get(f"/v1/risks/{item['id']}")
        assert response.status_code == 200, response.text
        assert response.json() == item
        # Exactly the multiplier shape, which the risk detail's model admits beside RiskRead.
        assert_exactly(MultiplierRead, item)
        DETAIL_MODELS["risk"].model_validate(item)
        url = item["sources"][0]["article"]["url"]
        assert response.headers["link"] == f'<{url}>; rel="cite-as"'


def test_a_derived_multiplier_cites_its_inputs_article_with_the_formula(
    client: TestClient,
) -> None:
    for item in derived(client):
        cited = client.get(f"/v1/risks/{item['id']}/cite?style=csl-json")
        assert cited.status_code == 200, cited.text
        [entry] = cited.json()
        rate = item["inputs"][0]
        assert entry["id"] == rate["sources"][0]["article"]["id"]
        assert entry["URL"] == rate["sources"][0]["article"]["url"]
        assert entry["note"].endswith(f"Derived: {item['derivation']}")
        assert item["formula"] in entry["note"]


@pytest.mark.parametrize(
    "record_id",
    [
        "derived-war_deaths_per_10000_men-ru-bu-ru-mow-nope-2025-05",  # no such article
        "derived-nothing-ru-bu-ru-mow-babel-2025-05-30-110000-named-dead-2025-05",
        "derived-war_deaths_per_10000_men-ru-bu-ru-mow",  # cut short
        "derived-",
    ],
)
def test_an_id_shaped_like_a_derived_one_that_derives_nothing_is_404(
    client: TestClient, record_id: str
) -> None:
    assert_problem(client.get(f"/v1/risks/{record_id}"), 404)
    assert_problem(client.get(f"/v1/risks/{record_id}/cite"), 404)
    assert_problem(client.get(f"/v1/sentences/{record_id}"), 404)  # only risks derive


def test_changing_an_input_changes_the_derived_record_at_its_id(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    """A derived record has no feed entries of its own: its inputs' entries are its place."""
    files = [
        {
            "article": make_article("rates", published="2025-06-02"),
            "risks": [
                make_rate("rate-bu", "RU-BU", 90, "2025-05"),
                make_rate("rate-mow", "RU-MOW", 3, "2025-05"),
            ],
        }
    ]
    seed_dir = write_seed(tmp_path / "seed", files)
    session = session_for(empty_db)
    load_seed(session, seed_dir)
    session.commit()
    client = client_for(empty_db)
    [multiplier] = derived(client)
    record_id = multiplier["id"]
    assert record_id == "derived-war_deaths_per_10000_men-ru-bu-ru-mow-rates-2025-05"
    assert client.get(f"/v1/risks/{record_id}").json()["value"] == 30
    token = client.get("/v1/changes").json()["last_token"]

    def halve_buryatia(data: dict[str, Any]) -> None:  # a corrected figure with its quote
        data["risks"][0] |= {"value": 45, "evidence": [{"quote": "RU-BU: 45 per 10,000"}]}

    edit(seed_dir, "rates", halve_buryatia)
    load_seed(session, seed_dir)
    session.commit()
    changed = client.get(f"/v1/risks/{record_id}").json()
    assert changed["value"] == 15
    assert changed["formula"] == "45 / 3 = 15.00"
    feed = client.get(f"/v1/changes?since={token}").json()["data"]
    assert [entry["id"] for entry in feed] == ["rate-bu"]
    assert feed[0]["data"]["value"] == 45
