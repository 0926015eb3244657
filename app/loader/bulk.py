"""Writing many checked rows at once, in the caller's transaction: ``COPY`` on PostgreSQL, the
driver's ``executemany`` on SQLite, a batch at a time.

``import`` writes millions of rows. Through the ORM or SQLAlchemy's per-row parameter handling
that costs tens of microseconds a row; here each value goes through the column type's own bind
processor once (so the stored form is exactly what SQLAlchemy would store) and straight to the
driver. No statement carries more than one row's parameters: ``executemany`` repeats a one-row
statement, and ``COPY`` streams rows without parameters at all.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Table, text
from sqlalchemy.orm import Session

BATCH = 10_000  # rows per executemany call: bounded memory, few round trips
# Ids per IN list: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters a statement.
CHUNK = 5_000


def chunks(ids: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    """``ids`` sorted, in lists of at most ``size``: one statement each, never an unbounded
    IN list (a package of 70k records once failed on PostgreSQL's parameter limit)."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def insert_rows(
    session: Session,
    table: Table,
    rows: Iterable[dict[str, Any]],
    on_rows: Callable[[int], None] = lambda _: None,
    only: Sequence[str] | None = None,
) -> int:
    """Insert ``rows`` (values by column name; a missing column is NULL) into ``table``;
    returns how many. ``on_rows(n)`` is told after each batch. ``only`` names the columns
    written when not all are (the others take their defaults: a serial id)."""
    connection = session.connection()
    dialect = connection.dialect
    driver: Any = connection.connection.driver_connection
    columns = [column for column in table.columns if only is None or column.name in only]
    names = [column.name for column in columns]
    if dialect.name == "postgresql":
        return _copy(driver, table, names, _json_columns(columns), rows, on_rows)
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in names)
    statement = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})'
    cursor = driver.cursor()
    count = 0
    batch: list[tuple[Any, ...]] = []
    try:
        for row in rows:
            batch.append(_bound(row, names, processors))
            if len(batch) == BATCH:
                cursor.executemany(statement, batch)
                count += len(batch)
                on_rows(len(batch))
                batch = []
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
            on_rows(len(batch))
    finally:
        cursor.close()
    return count


def _bound(
    row: dict[str, Any], names: Sequence[str], processors: Sequence[Callable[[Any], Any] | None]
) -> tuple[Any, ...]:
    values = []
    for name, process in zip(names, processors, strict=True):
        value = row.get(name)
        values.append(process(value) if process is not None else value)
    return tuple(values)


def _json_columns(columns: Sequence[Any]) -> set[str]:
    return {column.name for column in columns if isinstance(column.type, JSON)}


def _copy(
    driver: Any,
    table: Table,
    names: Sequence[str],
    json_columns: set[str],
    rows: Iterable[dict[str, Any]],
    on_rows: Callable[[int], None],
) -> int:
    """``COPY ... FROM STDIN``: psycopg adapts dates, times and booleans; JSON goes as text (a
    Python list would otherwise be sent as a PostgreSQL array)."""
    quoted = ", ".join(f'"{name}"' for name in names)
    count = 0
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[name])
                    if name in json_columns and row.get(name) is not None
                    else row.get(name)
                    for name in names
                ]
            )
            count += 1
            if count % BATCH == 0:
                on_rows(BATCH)
    on_rows(count % BATCH)
    return count


@contextmanager
def indexes_deferred(session: Session, tables: Sequence[str]) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` (the caller's transaction; an import into an
    empty database) and, on PostgreSQL, their foreign keys; run the body, then build them again
    from their saved definitions, the indexes first.

    Building an index once over sorted data is much cheaper than updating it row by row (a GIN
    index over a million tsvectors most of all). A foreign key checks each row it is written
    with a query of its own (a trigger per row: 220k evidence rows took 8.2 s with their two
    keys, 0.8 s without); added back, it checks every row at once with one join (0.4 s), and
    refuses the package just as well. Indexes that enforce a constraint (primary keys, unique)
    stay, so duplicates are still refused as they are written. The definitions are read from
    the database, so an index or key added by a later migration is kept too. On SQLite a key
    is an index lookup per row and cannot be dropped: it stays."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        found = connection.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = ANY(:tables) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            ),
            {"tables": list(tables)},
        ).all()
        keys = connection.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND connamespace = "
                "current_schema()::regnamespace AND conrelid::regclass::text = ANY(:tables) "
                "ORDER BY conrelid::regclass::text, conname"
            ),
            {"tables": list(tables)},
        ).all()
    else:
        found = connection.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(:tables))"
            ),
            {"tables": json.dumps(list(tables))},
        ).all()
        keys = []
    for table, name, _ in keys:
        connection.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    for name, _ in found:
        connection.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _, definition in found:
        connection.execute(text(definition))
    for table, name, definition in keys:
        connection.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the body with the cyclic garbage collector seldom running.

    A bulk load allocates millions of short-lived rows, none in a cycle; with the default
    thresholds the collector ran every 700 allocations and walked the application's long-lived
    objects again and again (a fifth of an import's CPU at 10k sentences). Those are frozen
    out of its sight, and the thresholds raised, for the body only."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
