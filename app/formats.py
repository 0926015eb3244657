"""CSV and NDJSON for every list: content negotiation, flattening records to spreadsheet rows,
and streaming every matching row in constant memory.

A record is one CSV row. Its sources are flattened into ``source_*`` columns; when a record has
several sources their values are joined with `` | `` in the same column (``source_count`` says
how many), so a spreadsheet keeps one row per figure.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import IO, Any

import orjson

from app.csv_safety import neutralise
from app.errors import AppError, ProblemError

JOIN = " | "
BATCH = 500
CHUNK = 64 * 1024


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"
    ndjson = "ndjson"


MEDIA_TYPES = {
    OutputFormat.json: "application/json",
    OutputFormat.csv: "text/csv; charset=utf-8",
    OutputFormat.ndjson: "application/x-ndjson",
}
ACCEPTED = {
    "application/json": OutputFormat.json,
    "application/*": OutputFormat.json,
    "text/csv": OutputFormat.csv,
    "text/*": OutputFormat.csv,
    "application/x-ndjson": OutputFormat.ndjson,
    "application/ndjson": OutputFormat.ndjson,
    "application/jsonl": OutputFormat.ndjson,
    "*/*": OutputFormat.json,
}


class NotAcceptable(AppError):
    status_code, code, title = 406, "not_acceptable", "Not Acceptable"


def negotiate(accept: str | None) -> OutputFormat:
    """The best format the Accept header allows; JSON when it allows anything."""
    if not accept:
        return OutputFormat.json
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        ranges.append((quality, -position, media.lower()))
    # A type refused outright (q=0) stays refused even when a wildcard would cover it.
    refused = {ACCEPTED[m] for q, _, m in ranges if q == 0 and m in ACCEPTED and "*" not in m}
    for quality, _, media in sorted(ranges, reverse=True):
        if quality <= 0 or media not in ACCEPTED:
            continue
        if "*" not in media:
            return ACCEPTED[media]
        allowed = [f for f in OutputFormat if f not in refused]
        if allowed:
            return ACCEPTED[media] if ACCEPTED[media] not in refused else allowed[0]
    offered = ", ".join(sorted({m.split(";")[0] for m in MEDIA_TYPES.values()}))
    raise NotAcceptable(
        f"none of the requested media types is available here; offered: {offered}",
        [ProblemError(parameter="Accept", reason=f"use one of {offered} (or ?format=)")],
    )


def _joined(values: Iterable[Any]) -> str:
    return JOIN.join("" if v is None else str(v) for v in values)


def _sources(item: dict[str, Any]) -> dict[str, Any]:
    sources = item["sources"]
    return {
        "source_count": len(sources),
        "source_url": _joined(s["article"]["url"] for s in sources),
        "source_title": _joined(s["article"]["title"] for s in sources),
        "source_publisher": _joined(s["article"]["publisher"] for s in sources),
        "source_published_at": _joined(s["article"]["published_at"] for s in sources),
        "source_quote": _joined(s["quote"] for s in sources),
        "source_quote_en": _joined(s["quote_en"] for s in sources),
    }


def _region(value: dict[str, Any] | None, prefix: str) -> dict[str, Any]:
    value = value or {}
    return {
        f"{prefix}_code": value.get("code"),
        f"{prefix}_name_en": value.get("name_en"),
        f"{prefix}_name_ru": value.get("name_ru"),
    }


def _record(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "kind": item["kind"],
        "statement": item["statement"],
        "value": item["value"],
        "value_low": item["value_low"],
        "value_high": item["value_high"],
        "value_qualifier": item["value_qualifier"],
        "unit": item["unit"],
        **_region(item["region"], "region"),
        "rank": item["rank"],
        "rank_reason": item["rank_reason"],
        "uncertain": item["uncertain"],
        "uncertainty_note": item["uncertainty_note"],
        "derived": item["derived"],
        "derivation": item["derivation"],
        "independent_sources": item["independent_sources"],
        "corroborated_by": _joined(r["id"] for r in item["corroborated_by"]),
        "contradicted_by": _joined(r["id"] for r in item["contradicted_by"]),
        "citation": item["citation"],
    }


def flat_sentence(item: dict[str, Any]) -> dict[str, Any]:
    return (
        _record(item)
        | {
            "period_start": item["period_start"],
            "period_end": item["period_end"],
            "measure": item["measure"],
            "rate_basis": item["rate_basis"],
            "offences": item["offences"],
            "criminal_code_articles": _joined(item["criminal_code_articles"]),
            "counted_by": item["counted_by"],
        }
        | _sources(item)
        | {"created_at": item["created_at"], "updated_at": item["updated_at"]}
    )


def flat_risk(item: dict[str, Any]) -> dict[str, Any]:
    return (
        _record(item)
        | {
            "risk_type": item["risk_type"],
            "metric": item["metric"],
            **_region(item["reference_region"], "reference_region"),
            "reference_label": item["reference_label"],
            "as_of": item["as_of"],
            "formula": item.get("formula"),
        }
        | _sources(item)
        | {"created_at": item["created_at"], "updated_at": item["updated_at"]}
    )


def flat_claim(item: dict[str, Any]) -> dict[str, Any]:
    speaker, organisation = item["speaker"] or {}, item["organisation"] or {}
    return (
        _record(item)
        | {
            "claim_kind": item["claim_kind"],
            "metric": item["metric"],
            "speaker_id": speaker.get("id"),
            "speaker_name": speaker.get("name"),
            "organisation_id": organisation.get("id"),
            "organisation_name": organisation.get("name"),
            "period_start": item["period_start"],
            "period_end": item["period_end"],
        }
        | _sources(item)
        | {"created_at": item["created_at"], "updated_at": item["updated_at"]}
    )


def flat_article(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "url": item["url"],
        "title": item["title"],
        "publisher": item["publisher"],
        "authors": _joined(item["authors"]),
        "published_at": item["published_at"],
        "published_precision": item["published_precision"],
        "published_approximate": item["published_approximate"],
        "language": item["language"],
        "is_stub": item["is_stub"],
        "archive_url": item["archive_url"],
        "cites": _joined(c["article_id"] for c in item["cites"]),
        "notes": item["notes"],
        "citation": item["citation"],
    }


def flat_region(item: dict[str, Any]) -> dict[str, Any]:
    return dict(item)


def _cell(value: Any) -> Any:
    """A CSV cell: booleans as true/false, dates in ISO 8601, numbers as they are, and text
    neutralised so that a spreadsheet shows it rather than running it as a formula."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return value


class HashingWriter:
    """Writes text to a spooled temporary file (memory up to 1 MiB, then disk) and hashes it."""

    def __init__(self) -> None:
        # Closed by chunks() once the response has been sent.
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.file.write(data)

    def rehash(self) -> None:
        """Hash what was written to ``file`` directly (e.g. by zipfile), not through write()."""
        self.digest = hashlib.sha256()
        self.file.seek(0)
        while chunk := self.file.read(CHUNK):
            self.digest.update(chunk)

    def etag(self) -> str:
        return '"' + self.digest.hexdigest()[:40] + '"'

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        try:
            while chunk := self.file.read(CHUNK):
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        """Idempotent; also run as the response's background task, so a stream that is cut
        short (client gone, 304) still frees the file."""
        self.file.close()


def write_export(
    items: Iterable[dict[str, Any]],
    output: OutputFormat,
    flatten: Callable[[dict[str, Any]], dict[str, Any]],
    bom: bool,
) -> HashingWriter:
    """Render every item as CSV or NDJSON into a spooled file, a batch of rows at a time."""
    writer = HashingWriter()
    if output is OutputFormat.ndjson:
        for item in items:
            writer.write(orjson.dumps(item) + b"\n")
        return writer
    if bom:
        writer.write("\ufeff".encode())
    buffer = io.StringIO()
    table: csv.DictWriter[str] | None = None
    for count, item in enumerate(items, start=1):
        row = {key: _cell(value) for key, value in flatten(item).items()}
        if table is None:
            table = csv.DictWriter(buffer, fieldnames=list(row), lineterminator="\r\n")
            table.writeheader()
        table.writerow(row)
        if count % BATCH == 0:
            writer.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    writer.write(buffer.getvalue().encode())
    return writer
