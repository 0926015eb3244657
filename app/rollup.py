"""Facet counts kept at load time: the rollup table ``facet_counts`` (``models.FacetCount``).

A facet counts every matching record, so counted from the records its cost grows with the table:
6.5 s on SQLite and 5.1 s on PostgreSQL for ``facet=region&facet=year`` at 1M sentences, on the
first request of each data version. The rollup holds, per family, how many records share each
combination of the facets' values and of the coarse filters' (region, rank, year, the first
source's publisher, the family's own ``Dimension``s): a few thousand rows whatever the size of
the table. ``rebuild`` writes it in the transaction of every load (the seed loader and import call
it), so it always says what the records say.

Which facet requests read it: those whose filter conditions name nothing but rollup columns
(``region``, ``include_deprecated``, and the family's own: ``measure`` and ``granularity``,
``metric`` and ``reference``, ``claim_kind`` and ``speaker``). Such a condition, run on the
rollup, is the same SQL on the same values as on the records, so the groups it keeps hold exactly
the records it keeps, and their sum is the count. Anything else (``from`` / ``to``, which need
the months; ``article``) is counted from the records as before (``queries.facet_counts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    String,
    Table,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import replacement_traverse

from app import queries
from app.families import FAMILIES, Family
from app.families.base import Dimension
from app.models import FacetCount
from app.pagination import AnySelect
from app.queries import articles, evidence, records

facet_counts = cast(Table, FacetCount.__table__)

# The rule, as the ``facet`` parameter of every family's list states it.
FACET_NOTE = (
    " The counts are summed from totals kept at each data load when every filter is one of "
    "region, include_deprecated and the list's own categories (measure, granularity; metric, "
    "reference; claim_kind, speaker): they cost the same at any size. With from, to or article "
    "the matching records are counted, which takes longer the more there are. The answer is "
    "the same either way."
)


@dataclass(frozen=True)
class FamilyRollup:
    """A family's rows of the rollup: how they are built, and how its lists' conditions and
    facets read them."""

    kind: str
    build: Any  # INSERT ... SELECT of the family's groups
    # (an expression over the family's rows, the same expression over the rollup's)
    sources: tuple[tuple[ColumnElement[Any], ColumnElement[Any]], ...]


def dimensions(family: Family) -> list[Dimension]:
    """What every family's rows are grouped by (but the publisher), then the family's own."""
    return [
        Dimension("region_code", records.c.region_code, same=(family.table.c.region_code,)),
        Dimension("rank", records.c.rank),
        Dimension("year", family.facets["year"]),
        *family.rollup,
    ]


def _value(dimension: Dimension) -> ColumnElement[Any]:
    """A dimension's value on a row: its source, or the value whose condition holds (literal
    SQL: PostgreSQL matches a GROUP BY expression to the select list's only without parameters;
    the values are the family's own names)."""
    if dimension.source is not None:
        return dimension.source
    return case(
        *(
            (condition, literal_column(f"'{value}'", String))
            for value, condition in dimension.conditions.items()
        )
    )


def _sources(family: Family) -> tuple[tuple[ColumnElement[Any], ColumnElement[Any]], ...]:
    found: list[tuple[ColumnElement[Any], ColumnElement[Any]]] = []
    for dimension in dimensions(family):
        column = facet_counts.c[dimension.name]
        if dimension.source is not None:
            found += [(source, column) for source in (dimension.source, *dimension.same)]
        found += [(condition, column == value) for value, condition in dimension.conditions.items()]
    return tuple(found)


def _first_sources() -> Any:
    """Every record's evidence at position 0, ``lead`` 1 on the lowest id of each record's (0 on
    any other: a package may hold more than one). A window over them cost half what a
    correlated NOT EXISTS per record did, on both engines."""
    first = func.row_number().over(partition_by=evidence.c.record_id, order_by=evidence.c.id)
    return (
        select(
            evidence.c.record_id,
            evidence.c.article_id,
            case((first == 1, 1), else_=0).label("lead"),
        )
        .where(evidence.c.position == 0)
        .subquery("first_source")
    )


def _build(family: Family) -> Any:
    """The family's groups: each record counted once (``records``) in the group of its
    lowest-id first source, and every first source (``first_sources``), as the publisher facet's
    join counts them."""
    first = _first_sources()
    values = [_value(dimension) for dimension in dimensions(family)]
    rows = (
        select(
            literal(family.kind),
            *values,
            articles.c.publisher,
            func.sum(func.coalesce(first.c.lead, 1)),
            func.count(articles.c.id),
        )
        .select_from(
            family.table.join(records, records.c.id == family.table.c.id)
            .outerjoin(first, first.c.record_id == records.c.id)
            .outerjoin(articles, articles.c.id == first.c.article_id)
        )
        # Always true (the family's rows are records of its kind), but it has SQLite read the
        # records in id order (ix_records_kind_id), as the family's rows and evidence are
        # stored, rather than in region order: ~1.8x less time at 100k sentences.
        .where(records.c.kind == family.kind)
        .group_by(*values, articles.c.publisher)
    )
    names = ["kind", *(d.name for d in dimensions(family)), "publisher"]
    return insert(facet_counts).from_select([*names, "records", "first_sources"], rows)


ROLLUPS: dict[str, FamilyRollup] = {
    kind: FamilyRollup(kind, _build(family), _sources(family)) for kind, family in FAMILIES.items()
}


def of(family: Family) -> FamilyRollup | None:
    """The rollup of ``family``, if it is the family the rollup was built from (a family
    described anew, as a test does, has rows of its own)."""
    return ROLLUPS[family.kind] if FAMILIES.get(family.kind) is family else None


def rebuild(session: Session) -> None:
    """Count every family's records again, in the caller's transaction (end of every load).

    On PostgreSQL without JIT compilation for these statements: their estimated cost turns it
    on, and compiling took ~4.4 s of the ~4.4 s they ran at 100k sentences."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        jit = session.scalar(select(func.current_setting("jit")))
        session.execute(select(func.set_config("jit", "off", True)))  # this transaction only
    session.execute(delete(facet_counts))
    for rollup in ROLLUPS.values():
        session.execute(rollup.build)
    if postgres:
        session.execute(select(func.set_config("jit", jit, True)))


def on_rollup(clause: ColumnElement[Any], rollup: FamilyRollup) -> ColumnElement[Any] | None:
    """``clause`` with every expression it names replaced by the same on the rollup; None when
    it names anything the rollup does not hold (a month, an article)."""
    missing = False

    def replace(element: Any, **_: Any) -> Any:
        nonlocal missing
        for source, target in rollup.sources:
            if element.compare(source):
                return target
        if isinstance(element, ColumnClause) and element.table is not facet_counts:
            missing = True
        return None

    translated = replacement_traverse(clause, {}, replace)
    return None if missing else translated


def rolled_up(
    session: Session, base: AnySelect, expression: ColumnElement[Any], rollup: FamilyRollup
) -> list[dict[str, Any]] | None:
    """The facet ``expression`` over the rows of ``base`` summed from the rollup, in the order
    ``queries.facet_counts`` gives; None when ``base``'s conditions are not all on the rollup."""
    conditions: list[ColumnElement[Any]] = [facet_counts.c.kind == rollup.kind]
    if base.whereclause is not None:
        where = on_rollup(base.whereclause, rollup)
        if where is None:
            return None
        conditions.append(where)
    if expression is articles.c.publisher:  # counted on the first sources' join
        value: ColumnElement[Any] | None = facet_counts.c.publisher
        counted = facet_counts.c.first_sources
        conditions.append(facet_counts.c.publisher.is_not(None))
    else:
        value, counted = on_rollup(expression, rollup), facet_counts.c.records
    if value is None:
        return None
    total = func.sum(counted)
    stmt = (
        select(value.label("value"), total.label("count"))
        .where(*conditions)
        .group_by(value)
        .having(total > 0)
        .order_by(total.desc(), value)
    )
    return [
        {"value": None if found is None else str(found), "count": int(count)}
        for found, count in session.execute(stmt)
    ]


def facet_counts_of(
    session: Session,
    base: AnySelect,
    expression: ColumnElement[Any],
    rollup: FamilyRollup | None = None,
) -> list[dict[str, Any]]:
    """Counts of the rows of ``base`` per value of ``expression``: from the family's rollup when
    ``base``'s filters allow, else counted over the matching records."""
    if rollup is not None:
        counted = rolled_up(session, base, expression, rollup)
        if counted is not None:
            return counted
    return queries.facet_counts(session, base, expression)
