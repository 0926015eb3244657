"""/v1/disputes: every pair of records that contradict each other, both sides with sources."""

from collections.abc import Sequence
from typing import Any, cast

from fastapi import APIRouter
from sqlalchemy import Row, Table, select
from sqlalchemy.orm import Session

from app.csv_rows import CsvTable
from app.models import RecordRelation
from app.records import RecordReader
from app.routes.listing import Listing, add_listing
from app.schemas.read import Page
from app.schemas.records import DisputeRead

router = APIRouter(prefix="/disputes", tags=["disputes"])
relations = cast(Table, RecordRelation.__table__)


def present_disputes(session: Session, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    records = RecordReader.of(session).by_id(
        sorted({r.record_id for r in rows} | {r.other_record_id for r in rows})
    )
    return [
        {
            "id": f"{row.record_id}~{row.other_record_id}",
            "note": row.note,
            "records": [records[row.record_id], records[row.other_record_id]],
        }
        for row in rows
    ]


SIDE_FIELDS = ("id", "kind", "value", "value_low", "value_high", "unit", "statement")


def _flat_dispute(item: dict[str, Any]) -> dict[str, Any]:
    """One row per dispute: both sides' id, value, statement, first quote and citation."""
    row: dict[str, Any] = {"id": item["id"], "note": item["note"]}
    for side, record in zip(("a", "b"), item["records"], strict=True):
        row |= {f"{side}_{name}": record[name] for name in SIDE_FIELDS}
        row |= {
            f"{side}_quote": record["sources"][0]["quote"],
            f"{side}_citation": record["citation"],
        }
    return row


DISPUTES_CSV = CsvTable(
    [
        "id",
        "note",
        *(f"{side}_{name}" for side in ("a", "b") for name in (*SIDE_FIELDS, "quote", "citation")),
    ],
    _flat_dispute,
)


add_listing(
    router,
    "list_disputes",
    Listing(
        "disputes",
        select(relations.c.record_id, relations.c.other_record_id, relations.c.note).where(
            relations.c.relation == "contradicts"
        ),
        [relations.c.record_id, relations.c.other_record_id],
        present_disputes,
        DISPUTES_CSV,
    ),
    "Contradictions between records of the same figure (same measure or metric, scope and stated "
    "period) whose values differ, e.g. the seed's Buryatia 33x against the BBC's Buryatia 27x, or "
    "a misprinted 64 against Mediazona's 684 for March 2024.",
    Page[DisputeRead],
    cursor_example="dagens-buryatia-vs-moscow-death-likelihood~lemmit-bbc-buryatia-27x-moscow",
)
