"""Answering a list request: a JSON page (``{"data": [...], "next": url}``, with facets when
asked), or every matching row as CSV / NDJSON, streamed batch by batch in constant memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import ColumnElement, Row
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from app import present, queries
from app.deps import FormatOptions, ListOptions
from app.errors import InvalidParameter, NotFound, ProblemError, quoted
from app.formats import BATCH, MEDIA_TYPES, OutputFormat, write_export
from app.links import public_request_url
from app.pagination import AnySelect, PageRequest, encode_cursor, next_url, paginate
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


def one_record(
    session: Session, rows: Sequence[Row[Any]], presenter: Presenter, kind: str, record_id: str
) -> Response:
    if not rows:
        raise NotFound(f"{kind} {quoted(record_id)} does not exist")
    body = with_sources(session, rows, presenter)[0]
    url = body["sources"][0]["article"]["url"]
    return present.json_response(body, {"Link": f'<{url}>; rel="cite-as"'})


def known_region(session: Session, code: str | None, parameter: str) -> str | None:
    if code is not None and not queries.region_exists(session, code):
        reason = f"{quoted(code)} is not a federal subject in ISO 3166-2:RU; see /v1/regions"
        raise InvalidParameter(reason, [ProblemError(parameter=parameter, reason=reason)])
    return code


RowsPresenter = Callable[[Session, Sequence[Row[Any]]], list[dict[str, Any]]]


def records_presenter(presenter: Presenter) -> RowsPresenter:
    return lambda session, rows: with_sources(session, rows, presenter)


@dataclass(frozen=True)
class Listing:
    """A list endpoint's query and how to show its rows."""

    family: str  # also the CSV file name and the key into queries.FACETS
    base: AnySelect  # filtered, unpaginated
    order: Sequence[ColumnElement[Any]]
    keys: Sequence[str]  # row attributes holding the sort key (for cursors)
    present_rows: RowsPresenter
    flatten: Callable[[dict[str, Any]], dict[str, Any]]


def respond(request: Request, session: Session, options: ListOptions, listing: Listing) -> Response:
    if options.output is OutputFormat.json:
        return _json_page(request, session, options, listing)
    items = _every_item(session, listing, options.page.cursor)
    return export_response(items, options.output, options.bom, listing.family, listing.flatten)


def respond_items(
    items: list[dict[str, Any]],
    options: FormatOptions,
    family: str,
    flatten: Callable[[dict[str, Any]], dict[str, Any]],
) -> Response:
    """A computed, unpaginated list: JSON ``{"data", "next": null}``, CSV or NDJSON."""
    if options.output is OutputFormat.json:
        return present.json_response({"data": items, "next": None})
    return export_response(iter(items), options.output, options.bom, family, flatten)


def export_response(
    items: Iterator[dict[str, Any]],
    output: OutputFormat,
    bom: bool,
    family: str,
    flatten: Callable[[dict[str, Any]], dict[str, Any]],
) -> Response:
    writer = write_export(items, output, flatten, bom)
    extension = "csv" if output is OutputFormat.csv else "ndjson"
    return StreamingResponse(
        writer.chunks(),
        background=BackgroundTask(writer.close),
        media_type=MEDIA_TYPES[output],
        headers={
            "ETag": writer.etag(),
            "Content-Disposition": f'attachment; filename="desertion-{family}.{extension}"',
        },
    )


def _json_page(
    request: Request, session: Session, options: ListOptions, listing: Listing
) -> Response:
    page = options.page
    rows = session.execute(paginate(listing.base, listing.order, page)).all()
    body: dict[str, Any] = {"data": listing.present_rows(session, rows[: page.limit])}
    body["next"] = nxt = next_url(public_request_url(request), rows, page, listing.keys)
    if options.facets:
        allowed = queries.FACETS.get(listing.family, {})
        unknown = [f for f in options.facets if f not in allowed]
        if unknown:
            reason = f"not a facet here; available: {', '.join(allowed) or 'none'}"
            raise InvalidParameter(
                f"unknown facet(s): {', '.join(unknown)}",
                [ProblemError(parameter="facet", reason=reason)],
            )
        body["facets"] = {
            facet: queries.facet_counts(session, listing.base, listing.family, facet)
            for facet in dict.fromkeys(options.facets)
        }
    headers = {"Link": f'<{nxt}>; rel="next"'} if nxt else None
    return present.json_response(body, headers)


def _every_item(session: Session, listing: Listing, cursor: str | None) -> Iterator[dict[str, Any]]:
    """Every matching item, fetched and presented a batch at a time (keyset, no page cap)."""
    page = PageRequest(limit=BATCH, cursor=cursor)
    while True:
        rows = session.execute(paginate(listing.base, listing.order, page)).all()
        batch = rows[:BATCH]
        yield from listing.present_rows(session, batch)
        if len(rows) <= BATCH:
            return
        last = batch[-1]
        page = PageRequest(
            limit=BATCH, cursor=encode_cursor([getattr(last, k) for k in listing.keys])
        )


def records_by_id(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Full record dicts for ids of any family (deprecated included)."""
    found: dict[str, dict[str, Any]] = {}
    families: list[tuple[Any, Any]] = [
        (queries.list_sentences(session, queries.SentenceFilters(ids=ids)), present.sentence),
        (queries.list_risks(session, queries.RiskFilters(ids=ids)), present.risk),
        (queries.list_claims(session, queries.ClaimFilters(ids=ids)), present.claim),
    ]
    for rows, presenter in families:
        found |= {item["id"]: item for item in with_sources(session, rows, presenter)}
    return found
