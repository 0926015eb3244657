"""Content negotiation: which of JSON, CSV and NDJSON a request asks for (``?format=``, a
``.csv`` / ``.ndjson`` suffix, or the Accept header)."""

from __future__ import annotations

from enum import StrEnum

from app.errors import AppError, ProblemError


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
