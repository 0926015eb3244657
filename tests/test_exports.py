"""A streamed export says exactly what presenting its records one by one says.

CSV exports of records are written straight from their rows (``app.csv_records``) and NDJSON
from batches sharing their articles and citation graph; a page or a detail presents a few
records at a time. Here every seed record of every family, deprecated ones included, is
presented alone by a fresh reader (the path that cannot share anything) and the export must
hold the same bytes, so the two paths cannot drift. Runs on both engines (``DATABASE_URL``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import queries
from app.csv_records import RecordCsv
from app.csv_rows import record_table
from app.families import FAMILIES, Family
from app.records import RecordReader
from app.routes import listing as listing_module
from app.routes.listing import family_listing
from app.stream import cell

ALL = "include_deprecated=true"


def one_by_one(session: Session, family: Family, ids: list[str]) -> list[dict[str, object]]:
    """Each record presented alone, by a reader of its own."""
    items = []
    for record_id in ids:
        session.expunge_all()
        session.info.clear()  # no reader (and no article or graph) carried over
        rows = family.rows(session, queries.records.c.id == record_id)
        items.append(RecordReader(session).present(family, rows)[0])
    return items


def csv_text(family: Family, items: list[dict[str, object]]) -> str:
    table = record_table(family)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for item in items:
        row = table.row(item)
        writer.writerow([cell(row.get(name)) for name in table.columns])
    return buffer.getvalue()


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 7: the seed then spans several, as a large export does."""
    monkeypatch.setattr(listing_module, "BATCH", 7)


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("kind", FAMILIES)
def test_exports_hold_what_each_record_presented_alone_holds(
    seeded_db: str,
    client_for: Callable[[str], TestClient],
    session_for: Callable[[str], Session],
    kind: str,
) -> None:
    family = FAMILIES[kind]
    client, session = client_for(seeded_db), session_for(seeded_db)
    ndjson = client.get(f"/v1/{family.path}.ndjson?{ALL}")
    assert ndjson.status_code == 200, ndjson.text
    lines = ndjson.content.splitlines()
    ids = [orjson.loads(line)["id"] for line in lines]
    assert len(ids) == session.query(family.orm).count() > 7  # every record, several batches
    items = one_by_one(session, family, ids)
    assert lines == [orjson.dumps(item) for item in items]
    exported = client.get(f"/v1/{family.path}.csv?{ALL}")
    assert exported.status_code == 200, exported.text
    assert exported.text == csv_text(family, items)


def test_the_csv_of_records_has_the_columns_of_their_table() -> None:
    for family in FAMILIES.values():
        assert RecordCsv(family).columns == record_table(family).columns
        assert family_listing(family, []).csv_rows is not None
