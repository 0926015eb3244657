"""Unique values and foreign keys of a data package, checked as its rows stream past, in memory
that is a small fraction of the package: eight bytes a row.

A million-sentence package has 4.3M rows; holding every row (or even every key) as Python
objects to check them took gigabytes. Instead each key is kept as its 64-bit ``hash`` in an
``array``, sorted once its table has been read. Equal hashes are only candidates: the file is
read again to find the rows that truly share the key (and their lines, for the message), so a
collision never refuses a good package. A reference is looked up among the target table's
hashes; a collision there could only let a dangling reference through to the database, whose
own foreign keys still refuse it. Python's string hashes are keyed per process, so a package
cannot be built to collide.

Every table a foreign key points to comes earlier in the package (``app.package.TABLES``), so
its keys are complete when the rows pointing at it are read.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import Table
from sqlalchemy import UniqueConstraint as Unique

from app.loader.rows import Row, short

Rescan = Callable[[], Iterator[Row]]  # the table's rows again, from the start of its file


def _key_hash(key: tuple[Any, ...]) -> int:
    return hash(key[0]) if len(key) == 1 else hash(key)


class Keys:
    """The unique keys of one table (its primary key, unique constraints and unique columns)
    and the foreign keys it holds, checked row by row; ``targets`` holds the sorted key hashes
    of each table read before, by (table, column)."""

    def __init__(self, table: Table, targets: dict[tuple[str, str], array[int]]) -> None:
        self.table = table
        uniques = [[c.name for c in table.primary_key.columns]]
        uniques += [[c.name for c in u.columns] for u in table.constraints if isinstance(u, Unique)]
        uniques += [[c.name] for c in table.columns if c.unique]
        self.uniques = [(names, array("q")) for names in uniques]
        self.foreign = [
            (fk.parent.name, fk.column.table.name, targets[(fk.column.table.name, fk.column.name)])
            for fk in table.foreign_keys
        ]
        self.targets = targets

    def check(self, row: Row) -> None:
        """Note the row's unique keys; refuse a reference to no row of its target table."""
        values = row.values
        for names, hashes in self.uniques:
            key = tuple(values[n] for n in names)
            if None not in key:
                hashes.append(_key_hash(key))
        for column, target, known in self.foreign:
            value = values[column]
            if value is not None and not _holds(known, hash(value)):
                raise row.error(column, f"{short(str(value))}: no such {target} row")

    def finish(self, rescan: Rescan) -> None:
        """After the last row: refuse a key given twice (at the line of its second row), and
        keep the sorted hashes of every column other tables point to."""
        for names, hashes in self.uniques:
            ordered = array("q", sorted(hashes))
            hashes[:] = array("q")
            candidates = {a for a, b in zip(ordered, ordered[1:], strict=False) if a == b}
            if candidates:
                _refuse_duplicate(names, candidates, rescan())
            if len(names) == 1:
                self.targets[(self.table.name, names[0])] = ordered


def _holds(known: array[int], value: int) -> bool:
    at = bisect_left(known, value)
    return at < len(known) and known[at] == value


def _refuse_duplicate(names: list[str], candidates: set[int], rows: Iterable[Row]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = tuple(row.values[n] for n in names)
        if None in key or _key_hash(key) not in candidates:
            continue
        if key in seen:
            shown = short(str(key[0])) if len(key) == 1 else repr(key)
            raise row.error(
                ", ".join(names), f"{shown} already given on line {seen[key]} (must be unique)"
            )
        seen[key] = row.line
