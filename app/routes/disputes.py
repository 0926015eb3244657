"""/v1/disputes: every pair of records that contradict each other, both sides with sources."""

from collections.abc import Sequence
from typing import Annotated, Any, cast

from fastapi import APIRouter, Request, Response
from sqlalchemy import Row, Table, select
from sqlalchemy.orm import Session

from app.deps import ListOptions, SessionDep, list_options
from app.errors import LIST_RESPONSES
from app.models import RecordRelation
from app.routes.listing import Listing, records_by_id, respond
from app.schemas.read import DisputeRead, Page

router = APIRouter(prefix="/disputes", tags=["disputes"])
relations = cast(Table, RecordRelation.__table__)


def present_disputes(session: Session, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    records = records_by_id(
        session, sorted({r.record_id for r in rows} | {r.other_record_id for r in rows})
    )
    return [
        {
            "id": f"{row.record_id}~{row.other_record_id}",
            "note": row.note,
            "records": [records[row.record_id], records[row.other_record_id]],
        }
        for row in rows
    ]


def flat_dispute(item: dict[str, Any]) -> dict[str, Any]:
    """One row per dispute: both sides' id, value, statement, first quote and citation."""
    row: dict[str, Any] = {"id": item["id"], "note": item["note"]}
    for side, record in zip(("a", "b"), item["records"], strict=True):
        row |= {
            f"{side}_id": record["id"],
            f"{side}_kind": record["kind"],
            f"{side}_value": record["value"],
            f"{side}_value_low": record["value_low"],
            f"{side}_value_high": record["value_high"],
            f"{side}_unit": record["unit"],
            f"{side}_statement": record["statement"],
            f"{side}_quote": record["sources"][0]["quote"],
            f"{side}_citation": record["citation"],
        }
    return row


@router.get("", response_model=Page[DisputeRead], responses=LIST_RESPONSES)
def list_disputes(
    request: Request, session: SessionDep, options: Annotated[ListOptions, list_options("disputes")]
) -> Response:
    """Contradictions between records (e.g. the seed's Buryatia 33x against the BBC's 27x)."""
    stmt = select(relations.c.record_id, relations.c.other_record_id, relations.c.note).where(
        relations.c.relation == "contradicts"
    )
    listing = Listing(
        "disputes",
        stmt,
        [relations.c.record_id, relations.c.other_record_id],
        ["record_id", "other_record_id"],
        present_disputes,
        flat_dispute,
    )
    return respond(request, session, options, listing)
