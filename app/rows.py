"""Result rows as named tuples, for code that reads many attributes of many rows (presenting
records, streaming exports)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)
def _row_class(fields: tuple[str, ...]) -> Any:
    return namedtuple("Fields", fields)


def plain_rows(rows: Iterable[Any]) -> list[Any]:
    """Rows as named tuples with the same attributes: a SQLAlchemy ``Row`` answers ``row.id``
    through Python-level lookup (about 0.5 µs), a named tuple in C (about 0.03 µs), and a
    record reads some forty of them. Rows whose names cannot be tuple fields stay as they are."""
    rows = rows.all() if hasattr(rows, "all") else list(rows)  # a Result: one fetchall
    if not rows:
        return rows
    try:
        make = _row_class(tuple(rows[0]._fields))._make
    except ValueError:  # a repeated or reserved name
        return rows
    return [make(row) for row in rows]
