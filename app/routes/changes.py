"""/v1/changes: the change feed an integrator follows to mirror the data incrementally."""

import re
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Table, and_, func, select
from sqlalchemy.orm import Session

from app import present, queries
from app.deps import SessionDep
from app.errors import LIST_ERRORS, BadRequest, ProblemError
from app.links import public_request_url
from app.models import Revision
from app.records import RecordReader, present_articles
from app.schemas.records import ChangeFeed

router = APIRouter(prefix="/changes", tags=["changes"])
revisions = cast(Table, Revision.__table__)
latest = revisions.alias("latest")


def _since(token: str | None) -> int:
    if token is None:
        return 0
    if not re.fullmatch(r"[0-9]{1,18}", token):
        raise BadRequest(
            "the token is not one this API issued; use `last_token` of a previous response",
            [ProblemError(parameter="since", reason="malformed token")],
        )
    return int(token)


def _removed_kinds(session: Session, record_ids: list[str]) -> dict[str, str]:
    """The family of removed records, from the last snapshot each had."""
    kinds: dict[str, str] = {}
    if record_ids:
        stmt = (
            select(revisions.c.entity_id, revisions.c.snapshot)
            .where(
                revisions.c.entity == "record",
                revisions.c.entity_id.in_(record_ids),
            )
            .order_by(revisions.c.id)
        )
        for row in session.execute(stmt):
            if row.snapshot:  # a removal's snapshot is JSON null
                kinds[row.entity_id] = row.snapshot.get("kind")
    return kinds


@router.get("", response_model=ChangeFeed, responses=LIST_ERRORS)
def list_changes(
    request: Request,
    session: SessionDep,
    since: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{1,18}$",
            examples=["0"],
            description="Return changes after this token (`last_token` of the previous response); "
            "omit it to start from the beginning.",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="Changes per response.", examples=[100])
    ] = 100,
) -> Response:
    """Every create, update and removal since a token, in order; a removal is a tombstone.

    Each entity appears once, at its latest change, with its current representation (the same
    JSON as its own endpoint), so applying the entries in order yields exactly what the API
    serves. Deprecated records are included (lists hide them unless asked).
    """
    after = _since(since)
    newest = (
        select(func.max(latest.c.id))
        .where(
            and_(latest.c.entity == revisions.c.entity, latest.c.entity_id == revisions.c.entity_id)
        )
        .scalar_subquery()
    )
    stmt = (
        select(
            revisions.c.id,
            revisions.c.entity,
            revisions.c.entity_id,
            revisions.c.action,
            revisions.c.reason,
            revisions.c.created_at,
        )
        .where(revisions.c.id > after, revisions.c.id == newest)
        .order_by(revisions.c.id)
        .limit(limit + 1)
    )
    rows = session.execute(stmt).all()
    shown = rows[:limit]
    live_records = [r.entity_id for r in shown if r.entity == "record" and r.action != "delete"]
    live_articles = [r.entity_id for r in shown if r.entity == "article" and r.action != "delete"]
    removed = [r.entity_id for r in shown if r.entity == "record" and r.action == "delete"]
    kinds = _removed_kinds(session, removed)
    records = RecordReader.of(session).by_id(live_records) if live_records else {}
    articles = (
        {
            a["id"]: a
            for a in present_articles(
                session, session.execute(queries.articles_select(live_articles)).all()
            )
        }
        if live_articles
        else {}
    )
    entries: list[dict[str, Any]] = []
    for row in shown:
        deleted = row.action == "delete"
        if row.entity == "record":
            data = None if deleted else records.get(row.entity_id)
            entity_type = data["kind"] if data else kinds.get(row.entity_id)
        else:
            data = None if deleted else articles.get(row.entity_id)
            entity_type = "article"
        entries.append(
            {
                "token": str(row.id),
                "type": entity_type,
                "id": row.entity_id,
                "action": "delete" if deleted or data is None else "upsert",
                "reason": row.reason,
                "changed_at": row.created_at,
                "data": data,
            }
        )
    last = str(shown[-1].id) if shown else str(after)
    nxt = (
        str(public_request_url(request).include_query_params(since=last))
        if len(rows) > limit
        else None
    )
    headers = {"Link": f'<{nxt}>; rel="next"'} if nxt else None
    return present.json_response({"data": entries, "next": nxt, "last_token": last}, headers)
