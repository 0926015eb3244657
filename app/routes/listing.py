"""Answering a list request: a JSON page (``{"data": [...], "next": url}``, with facets when
asked), or every matching row as CSV / NDJSON, streamed as it is read a batch at a time from the
database (keyset pages: the first byte leaves after the first batch, memory stays flat)."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import ColumnElement, Label, Row
from sqlalchemy.orm import Session

from app import present, queries, rollup
from app.csv_records import RecordCsv
from app.csv_rows import CsvTable, record_table
from app.deps import CursorSpec, ListOptions, SessionDep, list_options
from app.errors import LIST_ERRORS, LIST_RESPONSES, NotFound, quoted
from app.families import Family
from app.http_cache import VERSION_KEY
from app.links import public_request_url
from app.negotiation import MEDIA_TYPES, OutputFormat
from app.pagination import (
    AnySelect,
    PageRequest,
    cursor_pattern,
    encode_cursor,
    next_url,
    paginate,
)
from app.records import RecordReader
from app.rollup import FamilyRollup
from app.stream import csv_line_chunks, export_chunks, primed

BATCH = 5000  # rows an export reads and presents at a time
FIRST_BATCH = 200  # the first batch is small: the first byte leaves sooner, whatever BATCH is

RowsPresenter = Callable[[Session, Sequence[Row[Any]]], list[dict[str, Any]]]
RowsLines = Callable[[Session, Sequence[Row[Any]]], list[str]]


@dataclass(frozen=True)
class Listing:
    """A list endpoint's query and how to show its rows."""

    name: str  # the CSV / NDJSON file name
    base: AnySelect  # filtered, unpaginated
    order: Sequence[ColumnElement[Any]]  # the cursor holds these columns' values
    present_rows: RowsPresenter
    table: CsvTable
    facets: Mapping[str, ColumnElement[Any]] = field(default_factory=dict)
    # The CSV lines of rows straight from them (``app.csv_records``), for lists of records:
    # the same cells as ``table`` makes of the presented items, at a fraction of the cost.
    csv_rows: RowsLines | None = None
    # The family's facet counts kept at load time, read when the filters allow (app.rollup).
    rollup: FamilyRollup | None = None

    @property
    def keys(self) -> list[str]:
        return [column.name for column in self.order]


def export_responses(output: OutputFormat) -> dict[int | str, dict[str, Any]]:
    """What a CSV or NDJSON operation answers: every matching row in one media type."""
    what = "CSV, one row per item, with a header" if output is OutputFormat.csv else "NDJSON"
    media = MEDIA_TYPES[output].split(";")[0]
    return {
        200: {
            "description": f"Every matching item as {what}, streamed.",
            "content": {media: {"schema": {"type": "string"}}},
        },
        **LIST_ERRORS,
    }


def add_list_operations(
    router: APIRouter,
    name: str,
    endpoint: Callable[[OutputFormat], Callable[..., Response]],
    description: str,
    response_model: Any,
    path: str = "",
) -> None:
    """One list as three operations, each with one media type: ``path`` answers a JSON page,
    ``path.csv`` and ``path.ndjson`` every matching item. Separate operations keep a generated
    client's JSON type exact (a JSON operation that might answer CSV would type as a union)."""
    for output in OutputFormat:
        json = output is OutputFormat.json
        router.add_api_route(
            path if json else f"{path}.{output.value}",
            endpoint(output),
            methods=["GET"],
            name=name if json else f"{name}_{output.value}",
            description=description if json else f"{description} As {output.value.upper()}.",
            response_model=response_model if json else None,
            response_class=JSONResponse if json else Response,
            responses=LIST_RESPONSES if json else export_responses(output),
        )


def add_listing(
    router: APIRouter,
    name: str,
    listing: "Listing",
    description: str,
    response_model: Any,
    cursor_example: str,
) -> None:
    """A list without filters of its own (articles, regions, disputes) as its three operations."""
    cursor = CursorSpec(cursor_pattern(listing.order), cursor_example)

    def endpoint(output: OutputFormat) -> Callable[..., Response]:
        def list_items(
            request: Request,
            session: SessionDep,
            options: Annotated[ListOptions, list_options(output, listing.facets, cursor)],
        ) -> Response:
            return respond(request, session, options, listing)

        return list_items

    add_list_operations(router, name, endpoint, description, response_model)


def family_listing(
    family: Family,
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]] | None = None,
) -> Listing:
    """The family's list in ``order`` (default: the family's); a computed sort key (a labelled
    expression) is selected too, so the next page's cursor can be read from the last row."""
    order = family.order if order is None else order
    computed = [column for column in order if isinstance(column, Label)]
    flat = RecordCsv(family)
    return Listing(
        family.path,
        family.select(*conditions).add_columns(*computed),
        order,
        lambda session, rows: RecordReader.of(session).present(family, rows),
        record_table(family),
        family.facets,
        lambda session, rows: flat.rows(*RecordReader.of(session).context(rows)),
        rollup.of(family),
    )


def one_record(session: Session, family: Family, record_id: str) -> Response:
    """A record of ``family`` by id (deprecated or not), with ``Link: rel="cite-as"``."""
    rows = family.rows(session, queries.records.c.id == record_id)
    reader = RecordReader.of(session)
    body = reader.present(family, rows)[0] if rows else reader.computed(family, record_id)
    if body is None:
        raise NotFound(f"{family.kind} {quoted(record_id)} does not exist")
    url = body["sources"][0]["article"]["url"]
    return present.json_response(body, {"Link": f'<{url}>; rel="cite-as"'})


def respond(request: Request, session: Session, options: ListOptions, listing: Listing) -> Response:
    if options.output is OutputFormat.json:
        return _json_page(request, session, options, listing)
    maker = request.state.sessionmaker
    cursor = options.page.cursor
    # A session of its own: the request's closes when this function returns, and the stream
    # outlives it. One transaction, so every batch reads the same snapshot.
    if options.output is OutputFormat.csv and listing.csv_rows is not None:

        def lines() -> Iterator[str]:
            with maker() as stream_session:
                yield from _every_line(stream_session, listing, cursor)

        chunks = csv_line_chunks(lines(), listing.table.columns, options.bom)
        return stream_response(chunks, options.output, listing.name)

    def items() -> Iterator[dict[str, Any]]:
        with maker() as stream_session:
            yield from _every_item(stream_session, listing, cursor)

    return export_response(items(), options.output, options.bom, listing.name, listing.table)


def respond_items(
    items: list[dict[str, Any]], options: ListOptions, name: str, table: CsvTable
) -> Response:
    """A computed, unpaginated list: JSON ``{"data", "next": null}``, CSV or NDJSON."""
    if options.output is OutputFormat.json:
        return present.json_response({"data": items, "next": None})
    return export_response(iter(items), options.output, options.bom, name, table)


def export_response(
    items: Iterator[dict[str, Any]], output: OutputFormat, bom: bool, name: str, table: CsvTable
) -> Response:
    """Every item streamed as ``output``."""
    return stream_response(export_chunks(items, output, table, bom), output, name)


def stream_response(chunks: Iterator[bytes], output: OutputFormat, name: str) -> Response:
    """``chunks`` streamed as ``output``; its ETag (from the data version) is the cache
    middleware's. The first chunk is rendered here, before the response starts."""
    extension = "csv" if output is OutputFormat.csv else "ndjson"
    return StreamingResponse(
        primed(chunks),
        media_type=MEDIA_TYPES[output],
        headers={"Content-Disposition": f'attachment; filename="desertion-{name}.{extension}"'},
    )


def _json_page(
    request: Request, session: Session, options: ListOptions, listing: Listing
) -> Response:
    page = options.page
    rows = session.execute(paginate(listing.base, listing.order, page)).all()
    body: dict[str, Any] = {"data": listing.present_rows(session, rows[: page.limit])}
    body["next"] = nxt = next_url(public_request_url(request), rows, page, listing.keys)
    if options.facets:
        body["facets"] = {
            facet: request.app.state.facet_cache.counts(
                session,
                request.scope.get(VERSION_KEY),
                listing.base,
                listing.facets[facet],
                listing.rollup,
            )
            for facet in dict.fromkeys(options.facets)
        }
    headers = {"Link": f'<{nxt}>; rel="next"'} if nxt else None
    return present.json_response(body, headers)


def _batches(
    session: Session, listing: Listing, cursor: str | None
) -> Iterator[Sequence[Row[Any]]]:
    """Every matching row, a batch at a time (keyset, no page cap)."""
    page = PageRequest(limit=min(FIRST_BATCH, BATCH), cursor=cursor)
    while True:
        rows = session.execute(paginate(listing.base, listing.order, page)).all()
        batch = rows[: page.limit]
        if batch:
            yield batch
        if len(rows) <= page.limit:
            return
        last = batch[-1]
        page = PageRequest(
            limit=BATCH, cursor=encode_cursor([getattr(last, k) for k in listing.keys])
        )


def _every_item(session: Session, listing: Listing, cursor: str | None) -> Iterator[dict[str, Any]]:
    """Every matching item, presented a batch at a time."""
    for batch in _batches(session, listing, cursor):
        yield from listing.present_rows(session, batch)


def _every_line(session: Session, listing: Listing, cursor: str | None) -> Iterator[str]:
    """Every matching row's CSV line (``listing.csv_rows``), a batch at a time."""
    assert listing.csv_rows is not None
    for batch in _batches(session, listing, cursor):
        yield from listing.csv_rows(session, batch)
