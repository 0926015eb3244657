"""Turning a page of rows into the list envelope ``{"data": [...], "next": url}``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Request, Response
from sqlalchemy import Row
from sqlalchemy.orm import Session

from app import present, queries
from app.errors import InvalidParameter, NotFound, ProblemError
from app.pagination import PageRequest, next_url
from app.provenance import CitationGraph, relations_for

Presenter = Callable[[Row[Any], present.RecordContext], dict[str, Any]]


def with_sources(
    session: Session, rows: Sequence[Row[Any]], presenter: Presenter
) -> list[dict[str, Any]]:
    """Present ``rows`` with their sources, relations and source chains (three statements)."""
    ids = [row.id for row in rows]
    context = present.RecordContext(
        sources=queries.sources_for(session, ids),
        relations=relations_for(session, ids),
        graph=CitationGraph.load(session),
    )
    return [presenter(row, context) for row in rows]


def page_response(
    request: Request,
    rows: Sequence[Row[Any]],
    page: PageRequest,
    keys: Sequence[str],
    data: list[dict[str, Any]],
) -> Response:
    nxt = next_url(request.url, rows, page, keys)
    headers = {"Link": f'<{nxt}>; rel="next"'} if nxt else None
    return present.json_response({"data": data[: page.limit], "next": nxt}, headers)


def record_page(
    request: Request,
    session: Session,
    rows: Sequence[Row[Any]],
    page: PageRequest,
    keys: Sequence[str],
    presenter: Presenter,
) -> Response:
    data = with_sources(session, rows[: page.limit], presenter)
    return page_response(request, rows, page, keys, data)


def one_record(
    session: Session, rows: Sequence[Row[Any]], presenter: Presenter, kind: str, record_id: str
) -> Response:
    if not rows:
        raise NotFound(f"{kind} {record_id!r} does not exist")
    body = with_sources(session, rows, presenter)[0]
    url = body["sources"][0]["article"]["url"]
    return present.json_response(body, {"Link": f'<{url}>; rel="cite-as"'})


def known_region(session: Session, code: str | None, parameter: str) -> str | None:
    if code is not None and not queries.region_exists(session, code):
        reason = f"{code!r} is not a federal subject in ISO 3166-2:RU; see /v1/regions"
        raise InvalidParameter(reason, [ProblemError(parameter=parameter, reason=reason)])
    return code
