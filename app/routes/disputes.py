"""/v1/disputes: every pair of records that contradict each other, both sides with sources."""

from typing import cast

from fastapi import APIRouter, Request, Response
from sqlalchemy import Table, select

from app.deps import PageDep, SessionDep
from app.errors import LIST_ERRORS
from app.models import RecordRelation
from app.pagination import paginate
from app.routes.listing import page_response, records_by_id
from app.schemas.read import DisputeRead, Page

router = APIRouter(prefix="/disputes", tags=["disputes"])
relations = cast(Table, RecordRelation.__table__)


@router.get("", response_model=Page[DisputeRead], responses=LIST_ERRORS)
def list_disputes(request: Request, session: SessionDep, page: PageDep) -> Response:
    """Contradictions between records (e.g. the seed's Buryatia 33x against the BBC's 27x)."""
    stmt = select(relations.c.record_id, relations.c.other_record_id, relations.c.note).where(
        relations.c.relation == "contradicts"
    )
    order = [relations.c.record_id, relations.c.other_record_id]
    rows = session.execute(paginate(stmt, order, page)).all()
    shown = rows[: page.limit]
    records = records_by_id(
        session, sorted({r.record_id for r in shown} | {r.other_record_id for r in shown})
    )
    data = [
        {
            "id": f"{row.record_id}~{row.other_record_id}",
            "note": row.note,
            "records": [records[row.record_id], records[row.other_record_id]],
        }
        for row in shown
    ]
    return page_response(request, rows, page, ["record_id", "other_record_id"], data)
