"""The declarative base, engine construction and the per-request session dependency.

The serving engine is bounded everywhere it could wait: pool checkout (``pool_timeout``), connect
(``connect_timeout``) and each statement (``statement_timeout``: PostgreSQL's own setting; on
SQLite a progress handler interrupts the statement). A statement that completes marks the
request as making progress (``app.guard``), so only a stalled database trips the watchdog.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request
from sqlalchemy import JSON, Date, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from app.progress import touch_progress

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime that comes back aware on SQLite too (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), date: Date(), dict[str, Any]: JSON()}


@dataclass(frozen=True)
class EngineLimits:
    """How long anything may wait on the database. The defaults suit commands (migrate, seed,
    export), which may run long statements; the server passes its own from Settings."""

    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout: float = 30.0
    connect_timeout: int = 10
    statement_timeout: float | None = None
    must_exist: bool = False  # SQLite: a missing file is an error, not a new empty database


# How often (in SQLite virtual-machine instructions) the statement deadline is checked.
SQLITE_PROGRESS_STEPS = 10_000


def make_engine(url: str, limits: EngineLimits | None = None) -> Engine:
    """An engine for ``url`` within ``limits``; on SQLite, foreign keys and WAL are switched on
    for every connection."""
    limits = limits or EngineLimits()
    pool = {
        "pool_size": limits.pool_size,
        "max_overflow": limits.max_overflow,
        "pool_timeout": limits.pool_timeout,
    }
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url, limits, pool)
    else:
        options: dict[str, Any] = {"connect_timeout": limits.connect_timeout}
        if limits.statement_timeout is not None:
            options["options"] = f"-c statement_timeout={int(limits.statement_timeout * 1000)}"
        engine = create_engine(url, pool_pre_ping=True, connect_args=options, **pool)
    event.listen(engine, "after_cursor_execute", _statement_done)
    return engine


def _sqlite_engine(url: str, limits: EngineLimits, pool: dict[str, Any]) -> Engine:
    database = make_url(url).database or ""
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": limits.connect_timeout}
    if limits.must_exist and database and database != ":memory:":
        # mode=rw: opening a deleted or mistyped file fails instead of creating an empty one.
        path = database if database.startswith("file:") else f"file:{database}"
        url = f"sqlite:///{path}?mode=rw&uri=true"
    engine = create_engine(url, connect_args=connect_args, **pool)
    statement_timeout = limits.statement_timeout

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        if statement_timeout is not None:
            deadline = record.info["statement_deadline"] = [math.inf]
            dbapi_connection.set_progress_handler(
                lambda: int(time.monotonic() > deadline[0]), SQLITE_PROGRESS_STEPS
            )

    if statement_timeout is not None:

        @event.listens_for(engine, "before_cursor_execute")
        def _start_deadline(connection: Any, *_: Any) -> None:
            connection.info["statement_deadline"][0] = time.monotonic() + statement_timeout

    return engine


def _statement_done(*_: Any) -> None:
    touch_progress()


# The key of the request's data version in the ASGI scope and in ``session.info``.
DATA_VERSION = "desertion.data_version"


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit on success, roll back on error. ``session.info``
    holds the data version the request is answered at (``DATA_VERSION``, from app.http_cache;
    None when unknown), for what is computed once per version (app.families.periods)."""
    with request.state.sessionmaker.begin() as session:
        session.info[DATA_VERSION] = request.scope.get(DATA_VERSION)
        yield session
