"""Articles carry their citation chain and the records they support; regions come from ISO
3166-2 via pycountry and list the records about them."""

from __future__ import annotations

from collections.abc import Callable

import pycountry
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.records import DETAIL_RECORDS
from tests.helpers import assert_problem, seed, walk
from tests.test_formats import add_synthetic_sentences

DAGENS = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"


def test_articles_list_holds_every_article_and_stub(client: TestClient) -> None:
    items = walk(client, "/v1/articles?limit=5")
    assert {a["id"] for a in items} == set(seed().articles) | set(seed().stubs)
    stubs = [a for a in items if a["is_stub"]]
    assert all(a["url"] is None for a in stubs)
    assert all(a["url"] for a in items if not a["is_stub"])


def test_article_detail_has_metadata_chain_and_records(client: TestClient) -> None:
    body = client.get(f"/v1/articles/{DAGENS}").json()
    assert body["authors"] == ["Kathrine Frich"]
    assert body["language"] == "en"
    assert body["snapshot_sha256"] == seed().articles[DAGENS].snapshot.sha256  # type: ignore[union-attr]
    [digi24] = body["cites"]
    assert digi24["relation"] == "cites"
    stub = client.get(f"/v1/articles/{digi24['article_id']}").json()
    assert stub["is_stub"] is True
    assert stub["publisher"] == "Digi24"
    assert {c["article_id"] for c in stub["cited_by"]} == {DAGENS}
    supported = {r["id"] for family in body["records"].values() for r in family}
    assert supported == {rid for rid, p in seed().records.items() if p.article_id == DAGENS}


def test_regions_are_every_iso_subdivision_of_russia(client: TestClient) -> None:
    items = walk(client, "/v1/regions?limit=500")
    assert {r["code"] for r in items} == {
        s.code
        for s in pycountry.subdivisions.get(country_code="RU")  # type: ignore[no-untyped-call]
    }
    by_code = {r["code"]: r for r in items}
    assert by_code["RU-BU"]["name_ru"] == "Республика Бурятия"
    assert by_code["RU-MOW"]["name_ru"] == "Москва"
    assert by_code["RU-MOS"]["name"] == "Moscow Oblast"
    # The readable English name is the name; the ISO romanisation is beside it.
    assert by_code["RU-BU"]["name"] == "Buryatia"
    assert by_code["RU-BU"]["name_iso"] == "Buryatiya, Respublika"


def test_region_detail_lists_records_as_region_and_as_reference(client: TestClient) -> None:
    buryatia = client.get("/v1/regions/RU-BU").json()
    risk_ids = {r["id"] for r in buryatia["records"]["risks"]}
    claim_ids = {r["id"] for r in buryatia["records"]["claims"]}
    assert "dagens-buryatia-vs-moscow-death-likelihood" in risk_ids
    assert "dagens-buryatia-cellar-raid" in claim_ids
    moscow = client.get("/v1/regions/ru-mow").json()
    assert "dagens-buryatia-vs-moscow-death-likelihood" in {
        r["id"] for r in moscow["records"]["risks"]
    }


def test_unknown_article_and_region_are_404(client: TestClient) -> None:
    assert_problem(client.get("/v1/articles/nope"), 404)
    assert_problem(client.get("/v1/regions/RU-XX"), 404)


def test_a_detail_embeds_every_record_of_the_seed_and_links_none(client: TestClient) -> None:
    for path in (f"/v1/articles/{DAGENS}", "/v1/regions/RU-BU"):
        body = client.get(path).json()
        assert body["more_records"] == {"sentences": None, "risks": None, "claims": None}


def test_an_article_with_more_records_than_a_detail_holds_links_to_the_rest(
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    add_synthetic_sentences(session_for(empty_db), DETAIL_RECORDS + 20)
    client = client_for(empty_db)
    body = client.get("/v1/articles/synthetic").json()
    embedded = [r["id"] for r in body["records"]["sentences"]]
    assert len(embedded) == DETAIL_RECORDS
    assert body["more_records"]["claims"] is None
    rest = body["more_records"]["sentences"]
    assert rest.startswith("http://localhost:8000/v1/sentences?")
    listed = [r["id"] for r in walk(client, rest.removeprefix("http://localhost:8000"))]
    assert len(listed) == DETAIL_RECORDS + 20
    assert listed[:DETAIL_RECORDS] == embedded  # the first of the list, in its order
