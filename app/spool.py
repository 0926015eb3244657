"""A spooled, hashed temporary file (memory up to 1 MiB, then disk): the data package's zip is
written into one, hashed on the way for its ETag, then streamed from it."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from typing import IO

from app.http_cache import etag_from_digest

CHUNK = 64 * 1024


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
