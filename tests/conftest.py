"""Fixtures: a migrated (and a migrated + seeded) template database built once per session, and a
fresh copy of one of them for each test that needs it.

SQLite copies the template file; PostgreSQL (``DATABASE_URL=postgresql+psycopg://...``) uses
``CREATE DATABASE ... TEMPLATE``. Either way each test gets its own database, so assertions can be
exact and tests that write cannot disturb each other.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.config import PROJECT_ROOT, Settings
from app.db import make_engine
from app.loader import load_seed
from app.main import create_app
from app.migrate import upgrade

SEED_DIR = Path(os.environ.get("DESERTION_SEED_DIR", PROJECT_ROOT / "seed"))
BASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = BASE_URL.startswith("postgresql")


class Databases:
    """Creates and drops throwaway databases on the engine under test."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []
        self.admin: Engine | None = None
        if ON_POSTGRES:
            self.admin = create_engine(BASE_URL, isolation_level="AUTOCOMMIT")

    def new(self, template: str | None = None) -> str:
        name = f"desertion_test_{uuid.uuid4().hex[:12]}"
        if self.admin is not None:
            clause = f' TEMPLATE "{make_url(template).database}"' if template else ""
            with self.admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
            self.created.append(name)
            return make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
        path = self.tmp / f"{name}.db"
        if template:
            shutil.copy(make_url(template).database or "", path)
        else:  # an empty database, as CREATE DATABASE makes (the server never creates one)
            sqlite3.connect(path).close()
        return f"sqlite:///{path}"

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def export_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The export cache (on by default) writes under the session's temp folder, not the
    system's: every app the tests make keeps its exports there, one folder per database."""
    folder = tmp_path_factory.mktemp("exports")
    previous = os.environ.get("DESERTION_EXPORT_CACHE_DIR")
    os.environ["DESERTION_EXPORT_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        del os.environ["DESERTION_EXPORT_CACHE_DIR"]
    else:
        os.environ["DESERTION_EXPORT_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


def seed_into(url: str, seed_dir: Path = SEED_DIR) -> None:
    engine = make_engine(url)
    try:
        with sessionmaker(engine).begin() as session:
            load_seed(session, seed_dir)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(databases: Databases) -> str:
    url = databases.new()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def seeded_template(databases: Databases, migrated_template: str) -> str:
    url = databases.new(template=migrated_template)
    seed_into(url)
    return url


@pytest.fixture
def empty_db(databases: Databases, migrated_template: str) -> str:
    """A fresh, migrated database with no data."""
    return databases.new(template=migrated_template)


@pytest.fixture
def seeded_db(databases: Databases, seeded_template: str) -> str:
    """A fresh database holding the real seed."""
    return databases.new(template=seeded_template)


def make_client(url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=url)))


@pytest.fixture(scope="session")
def client(databases: Databases, seeded_template: str) -> Iterator[TestClient]:
    """A client on a copy of the seeded database, shared by tests that only read."""
    with make_client(databases.new(template=seeded_template)) as test_client:
        yield test_client


@pytest.fixture
def client_for() -> Iterator[Callable[[str], TestClient]]:
    """Open a client on a given database URL (closed at teardown)."""
    opened: list[TestClient] = []

    def open_client(url: str) -> TestClient:
        test_client = make_client(url)
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    yield open_client
    for test_client in opened:
        test_client.__exit__(None, None, None)


@pytest.fixture
def session_for() -> Iterator[Callable[[str], Session]]:
    """Open an ORM session on a given database URL (closed at teardown)."""
    engines: list[Engine] = []
    sessions: list[Session] = []

    def open_session(url: str) -> Session:
        engine = make_engine(url)
        engines.append(engine)
        session = Session(engine)
        sessions.append(session)
        return session

    yield open_session
    for session in sessions:
        session.close()
    for engine in engines:
        engine.dispose()


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A writable copy of the real seed folder."""
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target)
    return target
