"""The three formats of a list (each its own operation: ``/v1/x``, ``/v1/x.csv``,
``/v1/x.ndjson``), and whether an Accept header allows one."""

from __future__ import annotations

from enum import StrEnum

from app.errors import AppError


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


def accepts(accept: str | None, output: OutputFormat) -> bool:
    """Whether the Accept header allows ``output`` at all: a range naming it or a wildcard
    covering it with q > 0, unless its own type is refused outright (q=0)."""
    if not accept:
        return True
    allowed = False
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if ACCEPTED.get(media) is not output:
            continue
        if quality <= 0 and "*" not in media:
            return False  # refused by name: no wildcard brings it back
        allowed = allowed or quality > 0
    return allowed
