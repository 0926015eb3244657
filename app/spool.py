"""Writing a whole list as CSV or NDJSON into a spooled temporary file (memory up to 1 MiB, then
disk), hashed on the way for its ETag, then streamed from that file: memory stays flat whatever
the number of rows."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from app.csv_rows import CsvTable
from app.csv_safety import neutralise
from app.http_cache import etag_from_digest
from app.negotiation import OutputFormat

BATCH = 500
CHUNK = 64 * 1024


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
        return etag_from_digest(self.digest)

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
    items: Iterable[dict[str, Any]], output: OutputFormat, table: CsvTable, bom: bool
) -> HashingWriter:
    """Render every item as CSV (``table``'s columns, header first even with no rows) or
    NDJSON into a spooled file, a batch of rows at a time."""
    writer = HashingWriter()
    if output is OutputFormat.ndjson:
        for item in items:
            writer.write(orjson.dumps(item) + b"\n")
        return writer
    if bom:
        writer.write("\ufeff".encode())
    buffer = io.StringIO()
    rows = csv.DictWriter(buffer, fieldnames=table.columns, lineterminator="\r\n")
    rows.writeheader()
    for count, item in enumerate(items, start=1):
        rows.writerow({key: _cell(value) for key, value in table.row(item).items()})
        if count % BATCH == 0:
            writer.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    writer.write(buffer.getvalue().encode())
    return writer
