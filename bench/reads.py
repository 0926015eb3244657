"""The read scenarios of issue 11 for the scale benchmark (``bench/scale.py`` imports this
module): each read at seed size and against the 1M synthetic package, and the query plans of
the statements a read runs.

The interface is agreed in /work/notes/i11-interface.md: ``READS`` (name, seed path, big path,
whether it counts for the "within 3x of seed size" target) and ``explain(engine, path)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.config import Settings
from app.main import create_app


@dataclass(frozen=True)
class Read:
    name: str  # the label in the report
    seed_path: str  # path and query at seed size
    big_path: str  # the same read against the 1M synthetic package (bench/synthetic.py)
    target: bool = True  # counts for "within 3x of seed size" (issue 11)


def _same(name: str, path: str) -> Read:
    return Read(name, path, path)


# The reads of issue 11, in its order. The search word is one both datasets hold (the seed's
# Buryatia records, the synthetic statements naming every region), so neither side is empty.
READS: tuple[Read, ...] = (
    _same("list, first page", "/v1/sentences?limit=50"),
    _same("?from=&to=", "/v1/sentences?limit=50&from=2024-01&to=2024-06"),
    _same("?measure=", "/v1/sentences?limit=50&measure=sentences"),
    # The seed's sentences are all national (no real source gives a regional court count), so
    # its RU-BU page is empty; the claims read below is the like-for-like one (5 seed claims).
    _same("?region=", "/v1/sentences?limit=50&region=RU-BU"),
    _same("claims ?region=", "/v1/claims?limit=50&region=RU-BU"),
    _same("series", "/v1/sentences/series?measure=sentences"),
    _same("search", "/v1/search?q=Buryatia"),
    _same("facets region, year", "/v1/sentences?limit=50&facet=region&facet=year"),
    _same("region detail", "/v1/regions/RU-BU"),
    Read(
        "article detail",
        "/v1/articles/dagens-2024-10-02-russian-soldiers-flee-to-the-forest",
        "/v1/articles/synthetic-article-000000",
    ),
    _same("claims list", "/v1/claims?limit=50"),
    Read(
        "sentence detail",
        "/v1/sentences/dagens-2024-sentences-per-month",
        "/v1/sentences/synthetic-sentence-0000000",
    ),
)


def statements(engine: Engine, path: str) -> list[tuple[str, Any]]:
    """Every SQL statement (with its parameters) the application runs to answer GET ``path``
    on ``engine``'s database, the response cache off so that the route itself runs."""
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, response_cache_bytes=0))
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "revisions" not in statement:  # the data-version read, the same for every read
            seen.append((statement, parameters))

    with TestClient(app) as client:
        client.get(path)  # warm: the statements below are those of a steady-state request
        event.listen(app.state.engine, "before_cursor_execute", record)
        response = client.get(path)
        event.remove(app.state.engine, "before_cursor_execute", record)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    return seen


def explain(engine: Engine, path: str) -> list[tuple[str, str]]:
    """The plan of each statement GET ``path`` runs: ``[(sql, plan), ...]``, from EXPLAIN QUERY
    PLAN on SQLite and EXPLAIN on PostgreSQL."""
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    plans: list[tuple[str, str]] = []
    with engine.connect() as connection:
        for statement, parameters in statements(engine, path):
            rows = connection.exec_driver_sql(prefix + statement, parameters).all()
            if engine.dialect.name == "sqlite":  # (id, parent, notused, detail)
                plan = "\n".join(f"{row[1]:>3} {row[3]}" for row in rows)
            else:
                plan = "\n".join(str(row[0]) for row in rows)
            plans.append((" ".join(statement.split()), plan))
    return plans
