"""Reading a data package's CSV files as untrusted input: every cell typed strictly, every row
mapped back to the seed's input models (so a package can hold nothing the seed could not), then
the whole set checked (keys, references, unique values, the revision log) before anything is
written. Every problem is one line naming the file, the line and the field.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO, cast

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Integer, String, Table

from app.csv_safety import restore
from app.families import FAMILIES
from app.loader.reading import PlannedRecord, fold
from app.models import package_columns
from app.schemas.inputs import (
    SLUG_RE,
    ArticleIn,
    CitationIn,
    OrganisationIn,
    PersonIn,
    RecordIn,
    RelationIn,
    storable,
)

MAX_JSON_DEPTH = 20  # a revision snapshot nests 4 deep; deeper is not ours
INT32 = 2**31 - 1
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
FAMILY_TABLES = {kind: family.table.name for kind, family in FAMILIES.items()}
FAMILY_MODELS: dict[str, type[BaseModel]] = {
    kind: family.input_model for kind, family in FAMILIES.items()
}


class PackageError(Exception):
    """The package cannot be imported; nothing was written. The message is one line."""


@dataclass
class Row:
    """One CSV row: its first line in the file and its typed values by column."""

    file: str
    line: int
    values: dict[str, Any]

    def error(self, field: str, reason: str) -> PackageError:
        return PackageError(f"{self.file}: line {self.line}: field {field}: {reason}")


def short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _storable_json(value: Any) -> None:
    if isinstance(value, str):
        storable(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            _storable_json(item)
    elif isinstance(value, list):
        for item in value:
            _storable_json(item)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a number that is not finite")


def _json(cell: str, column: Column[Any]) -> Any:
    try:
        value = json.loads(cell)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except ValueError:
        raise ValueError(f"not JSON: {short(cell)}") from None
    # Nesting needs an opening bracket per level: count them before walking the value.
    if cell.count("[") + cell.count("{") > MAX_JSON_DEPTH and _depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    expected = dict if column.name == "snapshot" else list
    if not isinstance(value, expected):
        raise ValueError(f"not a JSON {'object' if expected is dict else 'array'}")
    if expected is list and not all(isinstance(item, str) for item in value):
        raise ValueError("not a JSON array of strings")
    if "\\u" in cell or "\x00" in cell:  # only an escape or a raw NUL makes an unstorable text
        _storable_json(value)
    return value


def _boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"{short(text)} is not true or false")
    return text == "true"


INTEGER = re.compile(r"-?\d{1,10}")


def _integer(text: str) -> int:
    if not INTEGER.fullmatch(text) or abs(int(text)) > INT32:
        raise ValueError(f"{short(text)} is not an integer in range")
    return int(text)


def _number(text: str) -> float:
    if not NUMBER.fullmatch(text) or not math.isfinite(float(text)):
        raise ValueError(f"{short(text)} is not a finite number")
    return float(text)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{short(text)} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{short(text)} has no timezone offset")
    return moment


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{short(text)} is not an ISO 8601 date") from None


def _text(length: int | None) -> Callable[[str], str]:
    def typed(text: str) -> str:
        value = restore(text)
        if length and len(value) > length:
            raise ValueError(f"{len(value)} characters, over the column's {length}")
        return value

    return typed


def converter(column: Column[Any]) -> Callable[[str], Any]:
    """The function that types one cell of ``column`` (ValueError says what is wrong), chosen
    once per file rather than per cell: a million-row package has tens of millions of cells.

    Text is not checked for NUL here: ``read_table`` does that per line (UTF-8 decoding already
    refuses lone surrogates)."""
    kind = column.type
    convert: Callable[[str], Any]
    if isinstance(kind, Boolean):
        convert = _boolean
    elif isinstance(kind, Integer):
        convert = _integer
    elif isinstance(kind, Float):
        convert = _number
    elif isinstance(getattr(kind, "impl", kind), DateTime):
        convert = _moment
    elif isinstance(kind, Date):
        convert = _day
    elif isinstance(kind, JSON):

        def convert(text: str) -> Any:
            return _json(text, column)

    else:
        convert = _text(kind.length if isinstance(kind, String) else None)
    empty = "" if isinstance(kind, String) and not column.nullable else None
    required = not column.nullable and empty is None

    def typed(text: str) -> Any:
        if text == "":
            if required:
                raise ValueError("required, but empty")
            return empty
        return convert(text)

    return typed


class _Lines:
    """The lines of a UTF-8 file for the CSV reader, hashed as they are read (what is checked is
    what is loaded, without holding the file in memory); notes whether any line holds a NUL."""

    def __init__(self, handle: BinaryIO, digest: Any) -> None:
        buffered = io.BufferedReader(_Hashing(handle, digest), 1024 * 1024)
        self.text = io.TextIOWrapper(buffered, encoding="utf-8", newline="")
        self.nul = False

    def __iter__(self) -> Iterator[str]:
        for line in self.text:
            if "\x00" in line:
                self.nul = True
            yield line


class _Hashing(io.RawIOBase):
    def __init__(self, handle: BinaryIO, digest: Any) -> None:
        self.handle, self.digest = handle, digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.handle.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def _line_of_bad_utf8(handle: BinaryIO) -> int:
    """The line of the first byte that is not UTF-8 (the decoder reads ahead of the parser)."""
    handle.seek(0)
    decoder, line = codecs.getincrementaldecoder("utf-8")(), 1
    while chunk := handle.read(1024 * 1024):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return line + chunk.count(b"\n", 0, max(exc.start, 0))
        line += chunk.count(b"\n")
    return line


def read_table(
    file: str, handle: BinaryIO, table: Table, digest: Any, on_rows: Callable[[int], None]
) -> list[Row]:
    """Every row of one CSV file, typed (see ``iter_rows``)."""
    return list(iter_rows(file, handle, table, digest, on_rows))


def iter_rows(
    file: str, handle: BinaryIO, table: Table, digest: Any, on_rows: Callable[[int], None]
) -> Iterator[Row]:
    """The rows of one CSV file, typed, one at a time, read from ``handle`` a line at a time
    into ``digest``; the header must be exactly the table's columns."""
    columns = package_columns(table)
    names = [column.name for column in columns]
    convert = [converter(column) for column in columns]
    texts = [isinstance(c.type, String) for c in columns]
    lines = _Lines(handle, digest)
    reader = csv.reader(lines, strict=True)
    line = 1
    count = 0
    try:
        header = next(reader, None)
        if header != names:
            missing = [n for n in names if n not in (header or [])]
            extra = [n for n in header or [] if n not in names]
            raise PackageError(
                f"{file}: line 1: the header must be the columns {', '.join(names)} "
                f"in order (missing: {', '.join(missing) or 'none'}; "
                f"unknown: {', '.join(map(short, extra)) or 'none'})"
            )
        line = reader.line_num + 1
        for record in reader:
            if len(record) != len(names):
                raise PackageError(
                    f"{file}: line {line}: {len(record)} cells, expected {len(names)}"
                )
            row = Row(file, line, {})
            for name, typed, text, is_text in zip(names, convert, record, texts, strict=True):
                try:
                    row.values[name] = typed(text)
                    if lines.nul and is_text and text:
                        storable(text)
                except ValueError as exc:
                    raise row.error(name, str(exc)) from None
            yield row
            count += 1
            line = reader.line_num + 1
            if count % 10_000 == 0:
                on_rows(10_000)
    except csv.Error as exc:
        raise PackageError(f"{file}: line {line}: not valid CSV: {exc}") from None
    except UnicodeDecodeError as exc:
        line = _line_of_bad_utf8(handle)
        raise PackageError(f"{file}: line {line}: not UTF-8 ({exc.reason})") from None
    on_rows(count % 10_000)


def _validate(
    model: type[BaseModel],
    data: dict[str, Any],
    locate: Callable[[tuple[int | str, ...]], tuple[Row, str]],
) -> BaseModel:
    """``model`` from ``data``; the first error is reported at the row and column it came from."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        row, field = locate(tuple(error["loc"]))
        raise row.error(field, error["msg"].removeprefix("Value error, ")) from None


def _at(row: Row, renames: dict[str, str] | None = None) -> Callable[..., tuple[Row, str]]:
    def locate(loc: tuple[int | str, ...]) -> tuple[Row, str]:
        name = str(loc[0]) if loc else "(row)"
        return row, (renames or {}).get(name, name)

    return locate


def check_organisation(row: Row) -> None:
    _validate(OrganisationIn, row.values, _at(row))


def check_person(row: Row) -> None:
    values = dict(row.values)
    values["organisation"] = values.pop("organisation_id")
    _validate(PersonIn, values, _at(row, {"organisation": "organisation_id"}))


def check_citation(row: Row) -> None:
    v = row.values
    data = {"article": v["cited_article_id"], "relation": v["relation"], "note": v["note"]}
    _validate(CitationIn, data, _at(row, {"article": "cited_article_id"}))


def check_relation(row: Row) -> RelationIn:
    v = row.values
    data = {"from": v["record_id"], "relation": v["relation"], "to": v["other_record_id"]}
    relation = _validate(RelationIn, data | {"note": v["note"]}, _at(row, RELATION_COLUMNS))
    return cast(RelationIn, relation)


# Record columns the database itself constrains (CHECK): typed as each row is read, since the
# whole record is validated only after its rows are stored.
VOCABULARY = {
    name: TypeAdapter(cast(Any, RecordIn.model_fields[name].annotation))
    for name in ("rank", "value_qualifier")
}


def check_record_row(row: Row) -> None:
    """What the database would refuse of a records row, refused first with its line."""
    kind = row.values["kind"]
    if kind not in FAMILY_TABLES:
        raise row.error("kind", f"{short(kind)} but no {FAMILY_TABLES.get(kind)} row")
    for name, adapter in VOCABULARY.items():
        if row.values[name] is not None:
            try:
                adapter.validate_python(row.values[name])
            except ValidationError as exc:
                raise row.error(name, exc.errors()[0]["msg"]) from None


def check_revision(row: Row) -> None:
    """The log names articles and records by slug; a removal has no snapshot, anything else
    has one. (That the last snapshot of each entity is the one its content_hash was made of is
    checked once everything is stored: ``app.loader.stored_checks``.)"""
    v = row.values
    if v["entity"] not in ("article", "record"):
        raise row.error("entity", f"{short(v['entity'])} is not article or record")
    if not re.fullmatch(SLUG_RE, v["entity_id"]):
        raise row.error("entity_id", f"{short(v['entity_id'])} is not a slug")
    if (v["snapshot"] is None) != (v["action"] == "delete"):
        raise row.error("snapshot", "must be empty exactly when the action is delete")


RELATION_COLUMNS = {"from": "record_id", "to": "other_record_id"}


def check_article(row: Row) -> BaseModel:
    """The article (or stub) row as its input model, checked."""
    v = row.values
    if v["is_stub"]:
        stub = {
            "article": v["id"],
            "publisher": v["publisher"],
            "title": v["title"],
            "description": v["description"],
            "url": v["url"],
            "published": v["published_at"],
            "published_precision": v["published_precision"],
            "note": v["notes"],
        }
        names = {"article": "id", "published": "published_at", "note": "notes"}
        model: BaseModel = _validate(CitationIn, stub, _at(row, names))
    else:
        article = {
            k: v[k]
            for k in ArticleIn.model_fields
            if k in v and k not in ("published", "snapshot", "cites")
        }
        article["published"] = v["published_at"]
        model = _validate(ArticleIn, article, _at(row, {"published": "published_at"}))
    for name in ("url", "archive_url"):
        given, parsed = v.get(name), getattr(model, name, None)
        if given is not None and str(parsed) != given:
            raise row.error(name, f"not in normal form (would be {short(str(parsed))})")
    for name in ("content_hash", "snapshot_sha256"):
        if v[name] is not None and not re.fullmatch(r"[0-9a-f]{64}", v[name]):
            raise row.error(name, "not a sha256 in hex")
    return model


def _record_data(record: Row, family: Row, evidence: list[Row], sources: list[str]) -> Any:
    """The input-model form of a stored record (the inverse of the loader's columns)."""
    data = {k: v for k, v in record.values.items() if k in RECORD_FIELDS}
    data |= {k: v for k, v in family.values.items() if k != "id"}
    data["region"] = record.values["region_code"]
    data["evidence"] = [
        {k: e.values[k] for k in ("quote", "quote_en", "prefix", "suffix")} for e in evidence
    ]
    data["derived"] = (
        {"from": sources, "rule": record.values["derivation"]} if record.values["derived"] else None
    )
    if "period_start" in data:
        start, end = data.pop("period_start"), data.pop("period_end")
        assumed = {f"{side}_assumed": data.pop(f"period_{side}_assumed") for side in SIDES}
        data["period"] = None if start is None else {"start": start, "end": end} | assumed
    for column, field in FAMILY_RENAMES.items():
        if column in data:
            data[field] = data.pop(column)
    if isinstance(data.get("criminal_code_articles"), str):
        text = data["criminal_code_articles"]
        if text and not re.fullmatch(r"\d{1,3}(,\d{1,3})*", text):
            raise family.error("criminal_code_articles", "not comma-separated article numbers")
        data["criminal_code_articles"] = [int(a) for a in text.split(",") if a]
    return {k: v for k, v in data.items() if v is not None}


# Looked up once: pydantic's ``model_fields`` is a property that costs microseconds a call, and
# this is asked for every column of every record of a package.
RECORD_FIELDS = frozenset(RecordIn.model_fields)
SIDES = ("start", "end")
FAMILY_RENAMES = {
    "speaker_id": "speaker",
    "organisation_id": "organisation",
    "reference_region_code": "reference_region",
}
RECORD_COLUMNS = {"region": "region_code", "derived": "derivation"}


def _record_locator(
    kind: str, record: Row, family: Row, quotes: list[Row]
) -> Callable[[tuple[int | str, ...]], tuple[Row, str]]:
    """Where a record model's error came from: the evidence row, the family row or the record."""
    family_columns = {v: k for k, v in FAMILY_RENAMES.items()}

    def locate(loc: tuple[int | str, ...]) -> tuple[Row, str]:
        name = str(loc[0]) if loc else "(record)"
        if name == "evidence" and len(loc) > 2 and isinstance(loc[1], int):
            return quotes[loc[1]], str(loc[2])
        if name in family_columns:
            return family, family_columns[name]
        if name in FAMILY_MODELS[kind].model_fields and name not in RecordIn.model_fields:
            return family, "period_start" if name == "period" else name
        return record, RECORD_COLUMNS.get(name, name)

    return locate


def check_record(
    record: Row,
    families: Mapping[str, Row],
    quotes: list[Row],
    sources: list[str],
    articles: dict[str, dict[str, Any]],
    snapshots: dict[str, str],
) -> PlannedRecord:
    """One record (with its family row, evidence in order of position, and derivation)
    validated by its input model; ``verified`` recomputed from the article snapshot and
    compared, never trusted. ``families`` holds the family rows of the record's id, by kind.
    Returns the record as the seed reader plans it (its file being the records.csv line, or
    ``record.file`` alone when the line is found only for a problem)."""
    kind = record.values["kind"]
    family = families.get(kind)
    if family is None:
        raise record.error("kind", f"{short(kind)} but no {FAMILY_TABLES.get(kind)} row")
    for other, row in families.items():
        if other != kind:
            raise row.error("id", f"the record is a {kind}, not a {other}")
    data = _record_data(record, family, quotes, sources)
    model = _validate(FAMILY_MODELS[kind], data, _record_locator(kind, record, family, quotes))
    for quote in quotes:
        check_verified(quote, articles[quote.values["article_id"]], snapshots)
    article_id = quotes[0].values["article_id"] if quotes else ""
    planned = PlannedRecord(kind, cast(Any, model), article_id, record.file)
    planned.verified = all(quote.values["verified"] for quote in quotes)
    return planned


def check_verified(quote: Row, article: dict[str, Any], snapshots: dict[str, str]) -> None:
    claimed, sha = quote.values["verified"], article["snapshot_sha256"]
    text = snapshots.get(sha) if sha else None
    if claimed and text is None:
        reason = "no snapshot of its article" if not sha else f"no snapshot with sha256 {sha}"
        raise quote.error("verified", f"true, but cannot be checked: {reason} is at hand")
    found = text is not None and fold(quote.values["quote"]) in text
    if claimed != found:
        raise quote.error(
            "verified",
            f"{str(claimed).lower()}, but the quote is {'' if found else 'not '}in the snapshot",
        )
