"""The columns a data package leaves out because they copy another table's column of the row
with the same id (``models.region_copy``: a family's copy of ``records.region_code``), filled
in as the rows stream into the database.

Filling them afterwards with one UPDATE per table rewrote every row of the family tables (on
PostgreSQL an UPDATE writes a new version of the row and of every index entry, and leaves the
old one behind). Instead each source row's value is kept by the 64-bit ``hash`` of its id, in
sorted arrays (twelve bytes a row; the few values are kept once each), and looked up as the
copying row is written. A hash is only trusted when one source row has it: a row whose id shares its
hash with another (never seen; Python's string hashes are keyed per process) is left empty as
it is written and filled by an UPDATE of that row alone (``fill_rest``). A row whose id is not
among the sources is refused by its foreign key anyway.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from app.loader.bulk import chunks


def _copies(table: Table) -> list[tuple[str, str, str]]:
    """(column, source table, source column) of each copy column of ``table``."""
    found = []
    for column in table.columns:
        if "copy_of" in column.info:
            source, source_column = column.info["copy_of"].split(".")
            found.append((column.name, source, source_column))
    return found


class _Source:
    """One source column's value for each id, by hash (unsorted until ``seal``)."""

    def __init__(self) -> None:
        self.hashes = array("q")
        self.slots = array("I")  # index into values
        self.values: list[Any] = []
        self.slot_of: dict[Any, int] = {}
        self.ambiguous: set[int] = set()

    def add(self, key: int, value: Any) -> None:
        slot = self.slot_of.get(value)
        if slot is None:
            slot = self.slot_of[value] = len(self.values)
            self.values.append(value)
        self.hashes.append(key)
        self.slots.append(slot)

    def seal(self) -> None:
        order = sorted(range(len(self.hashes)), key=self.hashes.__getitem__)
        self.hashes = array("q", (self.hashes[i] for i in order))
        self.slots = array("I", (self.slots[i] for i in order))
        pairs = zip(self.hashes, self.hashes[1:], strict=False)
        self.ambiguous = {a for a, b in pairs if a == b}

    def find(self, key: int) -> tuple[bool, Any]:
        """(found, value) of the one source row whose id has hash ``key``."""
        at = bisect_left(self.hashes, key)
        if at == len(self.hashes) or self.hashes[at] != key or key in self.ambiguous:
            return False, None
        return True, self.values[self.slots[at]]


class Copies:
    """Copy columns of the ``tables`` of one import, filled as their rows are written; every
    source table comes before the tables that copy it (``app.package.TABLES``)."""

    def __init__(self, tables: Iterable[Table], key: Callable[[Hashable], int] = hash) -> None:
        self.key = key
        self.copies = {table.name: _copies(table) for table in tables}
        wanted = {(s, c) for copies in self.copies.values() for _, s, c in copies}
        self.sources = {pair: _Source() for pair in wanted}
        self.rest: dict[str, list[str]] = {}  # ids left for fill_rest, by table

    def note(self, table: str, values: dict[str, Any]) -> None:
        """Fill the copy columns of a row of ``table`` about to be written, and keep what it
        is a source of."""
        for column, source, source_column in self.copies[table]:
            found, value = self.sources[(source, source_column)].find(self.key(values["id"]))
            values[column] = value
            if not found:
                self.rest.setdefault(table, []).append(values["id"])
        for (source, source_column), kept in self.sources.items():
            if source == table:
                kept.add(self.key(values["id"]), values[source_column])

    def seal(self, table: str) -> None:
        """After the last row of ``table``."""
        for (source, _), kept in self.sources.items():
            if source == table:
                kept.seal()

    def fill_rest(self, session: Session, tables: Mapping[str, Table]) -> None:
        """Fill, in the database, the copies of rows whose id could not be looked up."""
        for name, ids in self.rest.items():
            table = tables[name]
            for column, source_name, source_column in self.copies[name]:
                source = tables[source_name]
                value = select(source.c[source_column]).where(source.c.id == table.c.id)
                for chunk in chunks(ids):
                    session.execute(
                        update(table)
                        .where(table.c.id.in_(chunk))
                        .values({column: value.scalar_subquery()})
                    )
