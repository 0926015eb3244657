"""CSV and NDJSON on every list (operations of their own: the path ending .csv or .ndjson),
every matching row with no page cap, in constant memory; and facet counts computed in SQL."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import queries
from app.db import make_engine
from app.families import SENTENCE
from app.models import Article
from app.negotiation import OutputFormat
from app.routes import listing as listing_module
from app.routes.listing import _every_item, _every_line, family_listing
from app.stream import csv_line, csv_line_chunks, export_chunks
from tests.helpers import assert_problem, expected_ids, walk

LISTS = ["sentences", "risks", "claims", "articles", "regions"]
SOURCE_COLUMNS = [
    "source_url",
    "source_title",
    "source_publisher",
    "source_published_at",
    "source_quote",
]


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("family", LISTS)
def test_csv_is_an_operation_of_its_own(client: TestClient, family: str) -> None:
    response = client.get(f"/v1/{family}.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="desertion-{family}.csv"'
    )
    operations = client.get("/openapi.json").json()["paths"]
    assert list(operations[f"/v1/{family}.csv"]["get"]["responses"]["200"]["content"]) == [
        "text/csv"
    ]
    # The JSON operation declares JSON only, so a generated client types it exactly.
    assert list(operations[f"/v1/{family}"]["get"]["responses"]["200"]["content"]) == [
        "application/json"
    ]


@pytest.mark.parametrize(
    ("family", "kind"), [("sentences", "sentence"), ("risks", "risk"), ("claims", "claim")]
)
def test_csv_has_every_record_with_source_columns_and_no_page_cap(
    client: TestClient, family: str, kind: str
) -> None:
    table = rows(client.get(f"/v1/{family}.csv").text)
    assert {r["id"] for r in table} == expected_ids(kind)  # no page cap on an export
    assert set(SOURCE_COLUMNS) <= set(table[0])
    by_id = {item["id"]: item for item in walk(client, f"/v1/{family}?limit=500")}
    for row in table:
        item = by_id[row["id"]]
        assert row["source_url"] == " | ".join(s["article"]["url"] for s in item["sources"])
        assert row["source_quote"] == " | ".join(s["quote"] for s in item["sources"])
        assert int(row["source_count"]) == len(item["sources"])


def test_csv_keeps_filters_and_cyrillic(client: TestClient) -> None:
    table = rows(client.get("/v1/risks.csv?region=RU-BU").text)
    assert table
    assert {r["region_code"] for r in table} == {"RU-BU"}
    assert {r["region_name_ru"] for r in table} == {"Республика Бурятия"}


def test_bom_for_excel(client: TestClient) -> None:
    plain = client.get("/v1/regions.csv").content
    excel = client.get("/v1/regions.csv?bom=true").content
    assert excel == "\ufeff".encode() + plain


def test_ndjson_is_one_json_record_per_line(client: TestClient) -> None:
    response = client.get("/v1/claims.ndjson")
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [item["id"] for item in lines] == [i["id"] for i in walk(client, "/v1/claims")]


def test_a_json_operation_answers_json_or_406(client: TestClient) -> None:
    for accept in ("*/*", "application/json", "text/html, */*;q=0.1", "", "text/csv, */*"):
        response = client.get("/v1/sentences", headers={"Accept": accept})
        assert response.headers["content-type"] == "application/json", accept
    for refused in ("application/xml", "text/csv", "application/json;q=0, text/csv"):
        body = assert_problem(client.get("/v1/sentences", headers={"Accept": refused}), 406)
        assert "/v1/sentences.csv" in body["detail"]


def test_csv_has_an_etag_and_answers_304(client: TestClient) -> None:
    first = client.get("/v1/sentences.csv")
    again = client.get("/v1/sentences.csv", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_facets_count_every_matching_record(client: TestClient) -> None:
    body = client.get("/v1/sentences?facet=measure&facet=year&limit=1").json()
    everything = walk(client, "/v1/sentences?limit=500")
    measures: dict[str, int] = {}
    years: dict[str, int] = {}
    for item in everything:
        measures[item["measure"]] = measures.get(item["measure"], 0) + 1
        years[item["period_start"][:4]] = years.get(item["period_start"][:4], 0) + 1
    assert {f["value"]: f["count"] for f in body["facets"]["measure"]} == measures
    assert {f["value"]: f["count"] for f in body["facets"]["year"]} == years
    assert len(body["data"]) == 1


def test_facets_follow_filters_and_publishers(client: TestClient) -> None:
    body = client.get("/v1/risks?facet=region&facet=publisher&metric=war_death_rate").json()
    items = walk(client, "/v1/risks?metric=war_death_rate&limit=500")
    regions: dict[str, int] = {}
    for item in items:
        regions[item["region"]["code"]] = regions.get(item["region"]["code"], 0) + 1
    assert {f["value"]: f["count"] for f in body["facets"]["region"]} == regions
    assert sum(f["count"] for f in body["facets"]["publisher"]) == len(items)
    assert "facets" not in client.get("/v1/risks").json()


def test_a_facet_the_list_lacks_is_refused(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/sentences?facet=language"), 422)
    assert body["errors"][0]["parameter"].startswith("facet")
    body = assert_problem(client.get("/v1/regions?facet=year"), 400)  # regions have no facets
    assert body["errors"][0]["parameter"] == "facet"


def add_synthetic_sentences(session: Session, count: int) -> None:
    now = datetime.now(UTC)
    session.add(
        Article(
            id="synthetic",
            url="https://example.org/s",
            title="s",
            publisher="p",
            content_hash="x",
            authors=[],
        )
    )
    session.flush()
    session.execute(
        insert(queries.records),
        [
            {
                "id": f"s-{n:07d}",
                "kind": "sentence",
                "statement": "synthetic " * 20,
                "value": n,
                "value_qualifier": "exact",
                "rank": "normal",
                "uncertain": False,
                "derived": False,
                "content_hash": "x",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ],
    )
    session.execute(
        insert(queries.sentences),
        [
            {
                "id": f"s-{n:07d}",
                "period_start": date(2024, 1, 1),
                "period_end": date(2024, 1, 1),
                "measure": "sentences",
                "rate_basis": "total",
                "criminal_code_articles": "337",
            }
            for n in range(count)
        ],
    )
    session.execute(
        insert(queries.evidence),
        [
            {
                "record_id": f"s-{n:07d}",
                "article_id": "synthetic",
                "quote": "q " * 50,
                "verified": False,
                "position": 0,
            }
            for n in range(count)
        ],
    )
    session.commit()


def export_peak(session: Session) -> tuple[int, int]:
    """Peak traced memory while exporting every sentence as CSV (as the endpoint does: cells
    straight from the rows), and the bytes written."""
    listing = family_listing(SENTENCE, [])
    tracemalloc.start()
    try:
        chunks = csv_line_chunks(
            _every_line(session, listing, None), listing.table.columns, bom=False
        )
        size = sum(len(chunk) for chunk in chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def test_csv_export_memory_stays_flat_as_rows_grow(
    databases: object,
    empty_db: str,
    session_for: Callable[[str], Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.conftest import Databases

    assert isinstance(databases, Databases)
    monkeypatch.setattr(listing_module, "BATCH", 500)  # both exports span several batches
    small_db = databases.new(template=empty_db)
    small, large = session_for(small_db), session_for(empty_db)
    add_synthetic_sentences(small, 1_000)
    add_synthetic_sentences(large, 10_000)
    small_peak, small_size = export_peak(small)
    large_peak, large_size = export_peak(large)
    assert large_size > 9 * small_size  # ten times the rows really were written
    assert large_peak < 1.5 * small_peak  # memory did not grow with them


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/disputes", ""),
        ("/v1/risks/multipliers", "reference=RU-MOW"),
        ("/v1/search", "q=Buryatia&limit=100"),
    ],
)
def test_computed_lists_export_every_item_too(client: TestClient, path: str, query: str) -> None:
    items = walk(client, f"{path}?{query}")
    assert [r["id"] for r in rows(client.get(f"{path}.csv?{query}").text)] == [
        i["id"] for i in items
    ]
    ndjson = client.get(f"{path}.ndjson?{query}").text.splitlines()
    assert [json.loads(line)["id"] for line in ndjson] == [i["id"] for i in items]


def test_dispute_rows_hold_both_sides(client: TestClient) -> None:
    table = {r["id"]: r for r in rows(client.get("/v1/disputes.csv").text)}
    row = table["dagens-buryatia-vs-moscow-death-likelihood~lemmit-bbc-buryatia-27x-moscow"]
    assert (row["a_value"], row["b_value"]) == ("33.0", "27.0")
    assert row["a_citation"].startswith("Kathrine Frich")
    row = table["upravda-0424-2024-03-sentences-misprint~mediazona-2024-03-sentences-337"]
    assert (row["a_value"], row["b_value"]) == ("64", "684")
    assert "Ukrainska Pravda, 24 April 2024" in row["a_citation"]


def test_a_refused_json_is_not_served_through_a_wildcard(client: TestClient) -> None:
    assert_problem(client.get("/v1/regions", headers={"Accept": "application/json;q=0, */*"}), 406)


# Each list that offers CSV: a request with rows, and one that matches none (None: the same
# request on a database with no data, for lists without a filter).
CSV_LISTS: dict[str, tuple[str, str | None]] = {
    "/v1/sentences": ("/v1/sentences", "/v1/sentences?from=2099-01"),
    "/v1/risks": ("/v1/risks", "/v1/risks?region=RU-CHU"),
    "/v1/risks/multipliers": (
        "/v1/risks/multipliers?reference=RU-MOW",
        "/v1/risks/multipliers?reference=RU-MOW&region=RU-CHU",
    ),
    "/v1/claims": (
        "/v1/claims",
        "/v1/claims?article=actualno-2025-11-12-buryatia-young-men-killed",
    ),
    "/v1/articles": ("/v1/articles", None),
    "/v1/regions": ("/v1/regions", None),
    "/v1/people": ("/v1/people", None),
    "/v1/organisations": ("/v1/organisations", None),
    "/v1/disputes": ("/v1/disputes", None),
    "/v1/search": ("/v1/search?q=Buryatia", "/v1/search?q=zzzqqq"),
    "/v1/sentences/series": (
        "/v1/sentences/series?measure=sentences&offence=337",
        "/v1/sentences/series?measure=sentences&from=2099-01",
    ),
}


def as_csv(url: str) -> str:
    path, _, query = url.partition("?")
    return f"{path}.csv?{query}" if query else f"{path}.csv"


def test_every_list_offering_csv_is_checked_for_an_empty_export(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    offering = {
        path.removesuffix(".csv")
        for path, methods in paths.items()
        if "text/csv" in methods["get"]["responses"]["200"].get("content", {})
    }
    assert offering == set(CSV_LISTS)


@pytest.mark.parametrize("path", CSV_LISTS)
def test_an_empty_csv_export_carries_the_header_row(
    client: TestClient, empty_db: str, client_for: Callable[[str], TestClient], path: str
) -> None:
    full, empty = CSV_LISTS[path]
    filled = client.get(as_csv(full))
    assert filled.status_code == 200, filled.text
    header, first_row = filled.text.splitlines()[:2]
    assert first_row  # a non-empty export to compare with
    nothing = client.get(as_csv(empty)) if empty else client_for(empty_db).get(as_csv(full))
    assert nothing.status_code == 200, nothing.text
    assert nothing.headers["content-type"] == "text/csv; charset=utf-8"
    assert nothing.text.splitlines() == [header]


@pytest.mark.parametrize("suffix", ["csv", "ndjson"])
def test_a_database_fault_before_the_first_byte_is_a_503_problem(
    seeded_db: str,
    client_for: Callable[[str], TestClient],
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
) -> None:
    """The stream renders its first batch before the response starts, so the 503 can still be
    a problem (after the first byte only a cut connection could say it)."""
    client = client_for(seeded_db)

    def failing(*_: object) -> Iterator[list[object]]:
        raise OperationalError("SELECT", {}, Exception("database is locked"))
        yield []

    monkeypatch.setattr(listing_module, "_batches", failing)
    response = client.get(f"/v1/sentences.{suffix}")
    assert_problem(response, 503)
    assert "content-disposition" not in response.headers


def test_an_export_starts_before_its_last_row_is_read(seeded_db: str) -> None:
    """The first chunk leaves after one batch: the rows are read as they are sent."""
    listing = family_listing(SENTENCE, [])
    engine = make_engine(seeded_db)
    try:
        with Session(engine) as session:
            pulled = 0

            def counted() -> Iterator[dict[str, Any]]:
                nonlocal pulled
                for item in _every_item(session, listing, None):
                    pulled += 1
                    yield item

            chunks = export_chunks(counted(), OutputFormat.csv, listing.table, bom=False)
            first = next(chunks)
            assert first.startswith(b"id,kind,")
            assert pulled == 1  # one row rendered; the rest still unread
            rest = b"".join(chunks)
    finally:
        engine.dispose()
    total = len(rows((first + rest).decode()))
    assert total == pulled > 1


@pytest.mark.parametrize(
    "cells",
    [
        [""],
        [None],
        ["", ""],
        [1.5, True, None, 'a"b', "x,y", "c\rd", "e\nf", " g ", "\t", "'=1"],
        [1e20, 0.1, -0.0, 0, -3, "plain", "Республика", '"', ","],
    ],
)
def test_a_csv_line_is_what_csv_writer_writes(cells: list[Any]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    assert csv_line(cells) == buffer.getvalue()
