"""Exports as a stream: every item of a list rendered as CSV or NDJSON into chunks of about
64 KiB, yielded as they fill, so the first byte leaves after the first batch of rows and memory
holds one batch and one chunk whatever the number of rows.

A streamed body cannot be hashed before it is sent: its ETag comes from the data version
(``app.http_cache``). And once its first byte has left, a failure can no longer become a
problem+json: the connection is closed before the body's end (no final chunk), so a client sees
a broken transfer, never a complete-looking file. ``primed`` runs the first batch before the
response starts, so a database that is down is still answered 503.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson

from app.csv_rows import CsvTable
from app.csv_safety import neutralise
from app.negotiation import OutputFormat

CHUNK = 64 * 1024


def cell(value: Any) -> Any:
    """A CSV cell: booleans as true/false, dates in ISO 8601, numbers as they are, and text
    neutralised so that a spreadsheet shows it rather than running it as a formula."""
    kind = type(value)  # the common types first: an export asks for every cell of every row
    if kind is str:
        return neutralise(value)
    if value is None or kind is int or kind is float:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return value


def _ndjson(items: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    pending: list[bytes] = []
    size, first = 0, True
    for item in items:
        line = orjson.dumps(item, option=orjson.OPT_APPEND_NEWLINE)
        pending.append(line)
        size += len(line)
        if first or size >= CHUNK:
            yield b"".join(pending)
            pending, size, first = [], 0, False
    if pending or first:
        yield b"".join(pending)


def _csv(items: Iterable[dict[str, Any]], table: CsvTable, bom: bool) -> Iterator[bytes]:
    columns = table.columns

    def cells(item: dict[str, Any]) -> list[Any]:
        row = table.row(item)
        return [cell(row.get(name)) for name in columns]

    return csv_chunks(map(cells, items), columns, bom)


# What makes csv.writer (QUOTE_MINIMAL, lineterminator "\r\n") quote a field.
NEEDS_QUOTES = re.compile('[",\r\n]').search


def quote(text: str) -> str:
    """``text`` as ``csv.writer`` writes it: in quotes (its own doubled) when it holds a
    comma, a quote or a line break."""
    return '"' + text.replace('"', '""') + '"' if NEEDS_QUOTES(text) else text


def text_cell(text: str) -> str:
    """``quote(neutralise(text))``: a text cell as the CSV holds it."""
    return quote(neutralise(text))


def csv_text(value: Any) -> str:
    """One cell (as ``cell`` makes it) as ``csv.writer`` writes it: None empty, text
    ``quote``d, anything else ``str``."""
    if type(value) is str:
        return quote(value)
    return "" if value is None else str(value)


def csv_line(cells: Sequence[Any]) -> str:
    """A row of cells as ``csv.writer`` writes it, a few times faster: the writer copies the
    row a character at a time, a join copies it whole and only the cells that need quotes
    are scanned twice. (A row of one empty cell is ``""``, as the writer writes it, so that it
    is not read back as no row at all.)"""
    if len(cells) == 1 and cells[0] in ("", None):
        return '""\r\n'
    return ",".join([csv_text(value) for value in cells]) + "\r\n"


def csv_chunks(rows: Iterable[Sequence[Any]], columns: Sequence[str], bom: bool) -> Iterator[bytes]:
    """CSV of ``rows`` (each its cells, as ``cell`` makes them) under a header of ``columns``,
    in chunks of about ``CHUNK`` bytes; the first chunk goes as soon as the first row is
    written."""
    return csv_line_chunks(map(csv_line, rows), columns, bom)


def csv_line_chunks(lines: Iterable[str], columns: Sequence[str], bom: bool) -> Iterator[bytes]:
    """``lines`` (each a row as ``csv_line`` writes it) under a header of ``columns``, in
    chunks of about ``CHUNK`` characters; the first chunk goes as soon as the first line is
    in."""
    pending = ["\ufeff" if bom else "", csv_line(columns)]
    size, first = 0, True
    for line in lines:
        pending.append(line)
        size += len(line)
        if first or size >= CHUNK:
            yield "".join(pending).encode()
            pending, size, first = [], 0, False
    if pending or first:
        yield "".join(pending).encode()


def export_chunks(
    items: Iterable[dict[str, Any]], output: OutputFormat, table: CsvTable, bom: bool
) -> Iterator[bytes]:
    """Every item as CSV (``table``'s columns, header first even with no rows) or NDJSON, in
    chunks of about ``CHUNK`` bytes; the first chunk goes as soon as the first row is written."""
    return _ndjson(items) if output is OutputFormat.ndjson else _csv(items, table, bom)


def primed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks`` with its first chunk already rendered: the first batch's query runs now, in
    the endpoint, where a database fault still becomes a 503 problem."""
    first = next(chunks, b"")
    return itertools.chain([first], chunks)
