"""The facet counts kept at load time (app.rollup): every facet, under every filter the rollup
holds, gives exactly the SQL count over the records; a filter it does not hold is counted from
the records; and every load (seed, import, migration) leaves the rollup in step with the data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import ColumnElement, event, func, select, update
from sqlalchemy.orm import Session

from app import package, queries, rollup
from app.families import FAMILIES, Family
from app.loader import load_seed
from app.migrate import alembic_config
from app.rollup import ROLLUPS, facet_counts
from app.vocab import Granularity
from tests.factories import edit

DAGENS = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"
BEFORE_ROLLUP = "b3f7c1d9e2a4"  # the migration before facet_counts

# The filters the rollup holds, by family: the column whose stored values each takes.
ROLLED_UP_FILTERS: dict[str, dict[str, Any]] = {
    "sentence": {
        "region": queries.sentences.c.region_code,
        "measure": queries.sentences.c.measure,
        "granularity": list(Granularity),
    },
    "risk": {
        "region": queries.risks.c.region_code,
        "reference": queries.risks.c.reference_region_code,
        "metric": queries.risks.c.metric,
    },
    "claim": {
        "region": queries.claims.c.region_code,
        "speaker": queries.claims.c.speaker_id,
        "claim_kind": queries.claims.c.claim_kind,
    },
}


def _values(session: Session, source: Any) -> list[Any]:
    """Every stored value of a filter (a vocabulary as given), and one that matches nothing."""
    if isinstance(source, list):
        return source
    found = session.scalars(select(source).distinct().where(source.is_not(None))).all()
    return [*sorted(found), "none-such"]


def _combinations(session: Session, family: Family) -> Iterator[dict[str, Any]]:
    """Each filter alone at each of its values, each pair at its first stored values, all with
    and without the deprecated records."""
    filters = {
        name: _values(session, source) for name, source in ROLLED_UP_FILTERS[family.kind].items()
    }
    for deprecated in (False, True):
        yield {"include_deprecated": deprecated}
        for name, values in filters.items():
            for value in values:
                yield {"include_deprecated": deprecated, name: value}
        for (first, a), (second, b) in combinations(filters.items(), 2):
            yield {"include_deprecated": deprecated, first: a[0], second: b[0]}


def _conditions(family: Family, filters: dict[str, Any]) -> list[ColumnElement[bool]]:
    return [family.condition(name, value) for name, value in filters.items()]


def assert_rollup_counts_as_sql(session: Session) -> int:
    """Every facet of every family under every combination: the rollup's answer is the SQL
    count's, value for value and in the same order. Returns how many were compared."""
    compared = 0
    for family in FAMILIES.values():
        for filters in _combinations(session, family):
            base = family.select(*_conditions(family, filters))
            for name, expression in family.facets.items():
                summed = rollup.rolled_up(session, base, expression, ROLLUPS[family.kind])
                counted = queries.facet_counts(session, base, expression)
                assert summed == counted, (family.kind, filters, name)
                compared += 1
    return compared


def test_the_rollup_counts_every_facet_as_sql_does(
    seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    session = session_for(seeded_db)
    assert assert_rollup_counts_as_sql(session) > 300
    # Not vacuous: the seed's facets count something under the default filters.
    base = FAMILIES["sentence"].select(FAMILIES["sentence"].condition("include_deprecated", False))
    region = rollup.rolled_up(session, base, queries.records.c.region_code, ROLLUPS["sentence"])
    assert region is not None
    assert sum(one["count"] for one in region) > 10


@pytest.mark.parametrize(
    ("kind", "filters"),
    [
        ("sentence", {"from": "2024-03"}),
        ("sentence", {"to": "2024-03"}),
        ("sentence", {"article": DAGENS}),
        ("risk", {"article": DAGENS}),
        ("claim", {"article": DAGENS, "region": "RU-BU"}),
    ],
)
def test_a_filter_the_rollup_lacks_is_counted_from_the_records(
    seeded_db: str, session_for: Callable[[str], Session], kind: str, filters: dict[str, Any]
) -> None:
    from datetime import date

    family = FAMILIES[kind]
    values = {
        name: date.fromisoformat(f"{value}-01") if name in ("from", "to") else value
        for name, value in filters.items()
    }
    base = family.select(*_conditions(family, values))
    session = session_for(seeded_db)
    for expression in family.facets.values():
        assert rollup.rolled_up(session, base, expression, ROLLUPS[kind]) is None
        assert rollup.facet_counts_of(
            session, base, expression, ROLLUPS[kind]
        ) == queries.facet_counts(session, base, expression)


def _statements(client: TestClient) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(client.app.state.engine, "before_cursor_execute", record)  # type: ignore[attr-defined]
    return seen


def test_a_facet_request_reads_the_rollup_when_its_filters_allow(
    seeded_db: str, client_for: Callable[[str], TestClient]
) -> None:
    client = client_for(seeded_db)
    seen = _statements(client)
    asked = "facet=region&facet=measure&facet=publisher&facet=year"
    body = client.get(f"/v1/sentences?limit=1&region=RU-BU&granularity=month&{asked}").json()
    assert set(body["facets"]) == {"region", "measure", "publisher", "year"}
    facet_reads = [s for s in seen if "facet_counts" in s]
    assert len(facet_reads) == 4
    assert not [s for s in seen if "count(*)" in s.lower()]
    seen.clear()
    client.get(f"/v1/sentences?limit=1&from=2024-03&{asked}")  # a month: counted
    assert not [s for s in seen if "facet_counts" in s]
    assert [s for s in seen if "count(*)" in s.lower()]


def _rollup_rows(session: Session) -> list[tuple[Any, ...]]:
    columns = [c for c in facet_counts.columns if c.name != "id"]
    return sorted(
        (tuple(row) for row in session.execute(select(*columns))), key=lambda row: repr(row)
    )


def test_a_seed_load_counts_the_records_again(
    seeded_db: str, seed_copy: Path, session_for: Callable[[str], Session]
) -> None:
    """A load that changes what facets count (a record deprecated) leaves the rollup saying
    what the records say."""

    def change(data: dict[str, Any]) -> None:
        data["sentences"][-1] |= {"rank": "deprecated", "rank_reason": "A test's misprint."}

    edit(seed_copy, DAGENS, change)
    session = session_for(seeded_db)
    before = _rollup_rows(session)
    load_seed(session, seed_copy)
    session.commit()
    assert _rollup_rows(session) != before
    assert_rollup_counts_as_sql(session)


def test_an_import_counts_the_records_it_loads(
    seeded_db: str, empty_db: str, tmp_path: Path, session_for: Callable[[str], Session]
) -> None:
    source = session_for(seeded_db)
    package.export_dir(source, tmp_path / "pkg")
    assert "facet_counts" not in {p.stem for p in (tmp_path / "pkg").glob("*.csv")}
    target = session_for(empty_db)
    package.import_dir(target, tmp_path / "pkg")
    target.commit()
    assert _rollup_rows(target) == _rollup_rows(source)
    assert assert_rollup_counts_as_sql(target) > 300


def test_the_migration_counts_the_records_already_stored(
    seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    session = session_for(seeded_db)
    built_by_the_loader = _rollup_rows(session)
    session.close()
    config = alembic_config(seeded_db)
    command.downgrade(config, BEFORE_ROLLUP)
    command.upgrade(config, "head")
    assert _rollup_rows(session_for(seeded_db)) == built_by_the_loader


def test_the_rollup_counts_records_with_no_or_several_first_sources(
    seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    """A package may hold a record with two evidence rows at position 0, or none: the publisher
    facet counts each first source (its join), every other facet each record once."""
    session = session_for(seeded_db)
    evidence = queries.evidence
    quoted_twice = (
        select(evidence.c.record_id)
        .group_by(evidence.c.record_id)
        .having(func.count() > 1)
        .order_by(evidence.c.record_id)
        .limit(2)
    )
    two, none = session.scalars(quoted_twice).all()
    second = select(func.max(evidence.c.id)).where(evidence.c.record_id == two).scalar_subquery()
    session.execute(update(evidence).where(evidence.c.id == second).values(position=0))
    session.execute(
        update(evidence)
        .where(evidence.c.record_id == none, evidence.c.position == 0)
        .values(position=9)
    )
    rollup.rebuild(session)
    assert assert_rollup_counts_as_sql(session) > 300
