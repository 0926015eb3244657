"""The figures the API computes from stored records, read with a session: the monthly series,
stated multipliers beside derived ones, the disputes, and the BibTeX of a record's citation.

One place below the routes, so the JSON and CSV routes, the SVG charts and the /explore page
show the same numbers from the same code (``analysis.py`` holds the pure computations)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Table, func, or_, select
from sqlalchemy.orm import Session

from app import queries
from app.analysis import broadest_offence, derive_multipliers, series_points
from app.citations import bibtex
from app.deps import month_param
from app.families import CLAIM, RISK, SENTENCE
from app.families.record import check_month_range
from app.lookups import in_vocabulary
from app.models import RecordRelation
from app.pagination import AnySelect
from app.queries import LIVE_RATES, records, risks, sentences
from app.records import RecordReader
from app.regions import known_region
from app.vocab import Measure, Metric


@dataclass(frozen=True)
class SeriesQuery:
    """What a series is of: the parameters of /v1/sentences/series (and of its SVG)."""

    measure: Measure
    offence: str | None = None  # "337" or "332,337,338"; None: the broadest set
    from_: str | None = None
    to: str | None = None
    region: str | None = None


def _conditions(session: Session, query: SeriesQuery) -> list[ColumnElement[bool]]:
    """What a record of the series is: the live one-month records of the query's measure,
    period and region, any offence set.

    On SQLite the measure is marked ``likely`` (true of many rows), so the planner starts from
    the region's records (``ix_records_region_code_rank_id``, national ones: region NULL) and
    not from every record of the measure: without statistics it takes an equality on the
    measure index for the narrower (at 100k sentences, 19,920 rows read for an empty series)."""
    start, end = month_param(query.from_, "from"), month_param(query.to, "to")
    check_month_range(start, end)
    measure = sentences.c.measure == query.measure.value
    conditions = [
        func.likely(measure) if session.get_bind().dialect.name == "sqlite" else measure,
        # One-month figures only: a point is a month.
        sentences.c.period_start == sentences.c.period_end,
        sentences.c.rate_basis.in_(("total", "per_month")),
        records.c.rank != "deprecated",
        # The family's copy of the region (as its ?region= filter): the check is on the row the
        # measure index reads, and a region's series reads the region index (4x at 100k).
        SENTENCE.condition("region", known_region(query.region, "region"))
        if query.region is not None
        else sentences.c.region_code.is_(None),
    ]
    if start is not None:
        conditions.append(sentences.c.period_end >= start)
    if end is not None:
        conditions.append(sentences.c.period_start <= end)
    return conditions


def monthly_records(session: Session, query: SeriesQuery) -> list[dict[str, Any]]:
    """The live one-month records of the query's measure, period and region, any offence set."""
    return RecordReader.of(session).present(
        SENTENCE, SENTENCE.rows(session, *_conditions(session, query))
    )


def offence_sets(items: Iterable[dict[str, Any]]) -> list[tuple[int, ...]]:
    """The exact offence sets the records name, broadest first (what a series can be of)."""
    found = {tuple(item["criminal_code_articles"]) for item in items}
    return sorted((s for s in found if s), key=lambda s: (-len(s), s))


def _articles(stored: str) -> tuple[int, ...]:
    """An offence set as stored ("332,337,338") or asked for (?offence=337,332)."""
    return tuple(sorted({int(a) for a in stored.split(",") if a}))


def _offence(query: SeriesQuery, items: Iterable[dict[str, Any]]) -> tuple[int, ...] | None:
    """The offence set asked for, else the broadest the records name."""
    return _articles(query.offence) if query.offence else broadest_offence(items)


def _series_records(
    session: Session, query: SeriesQuery, conditions: list[ColumnElement[bool]]
) -> tuple[tuple[int, ...] | None, list[dict[str, Any]]]:
    """The offence set of the series and the records its points can come from, without
    presenting every record of the query: the set is chosen from (id, month, articles) alone,
    then only its records are presented, with every record linked to them (a relay folds into
    its upstream's point whatever offences it names) and the records linked to those, until
    none is added. A chain with no record of the set cannot head a point, so the points are
    those of ``series_points`` over every record."""
    light = session.execute(
        select(sentences.c.id, sentences.c.period_start, sentences.c.criminal_code_articles)
        .select_from(SENTENCE.from_)
        .where(*conditions)
    ).all()
    chosen = _offence(
        query,
        (
            {"criminal_code_articles": _articles(r.criminal_code_articles), "period_start": r[1]}
            for r in light
        ),
    )
    if chosen is None:
        return None, []
    wanted = {r.id for r in light if _articles(r.criminal_code_articles) == chosen}
    if wanted:
        candidates = select(sentences.c.id).select_from(SENTENCE.from_).where(*conditions)
        links = session.execute(
            select(relations.c.record_id, relations.c.other_record_id).where(
                relations.c.record_id.in_(candidates), relations.c.other_record_id.in_(candidates)
            )
        ).all()
        linked: dict[str, set[str]] = {}
        for one, other in links:
            linked.setdefault(one, set()).add(other)
            linked.setdefault(other, set()).add(one)
        frontier = set(wanted)
        while frontier:
            frontier = {o for r in frontier for o in linked.get(r, ())} - wanted
            wanted |= frontier
    stored = {
        r.criminal_code_articles for r in light if _articles(r.criminal_code_articles) == chosen
    }
    extra = sorted(wanted - {r.id for r in light if r.criminal_code_articles in stored})
    if len(extra) > queries.ID_BATCH:  # more relays than one statement may name: all of them
        return chosen, RecordReader.of(session).present(
            SENTENCE, SENTENCE.rows(session, *conditions)
        )
    of_set = sentences.c.criminal_code_articles.in_(sorted(stored))
    rows = SENTENCE.rows(
        session, *conditions, or_(of_set, sentences.c.id.in_(extra)) if extra else of_set
    )
    return chosen, RecordReader.of(session).present(SENTENCE, rows)


def series(
    session: Session, query: SeriesQuery, items: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The series of the query's measure for one exact offence set (the broadest when not
    given); ``items`` are its ``monthly_records`` when the caller has read them already
    (otherwise only the records the points can come from are read)."""
    if items is None:
        chosen, items = _series_records(session, query, _conditions(session, query))
    else:
        chosen = _offence(query, items)
    graph = RecordReader.of(session).graph
    return {
        "measure": query.measure.value,
        "offence": list(chosen) if chosen else None,
        "region": query.region,
        "points": series_points(items, chosen, graph) if chosen else [],
    }


@dataclass(frozen=True)
class MultiplierQuery:
    """What the multipliers are of: the parameters of /v1/risks/multipliers (and its SVG)."""

    reference: str  # a region code, checked
    region: str | None = None
    metric: str | None = None


def multipliers(session: Session, query: MultiplierQuery) -> list[dict[str, Any]]:
    """Stated multipliers against the reference region beside those derived from regional
    rates."""
    reference, region, metric = query.reference, query.region, query.metric
    stated_where = [
        risks.c.risk_type == "multiplier",
        risks.c.reference_region_code == reference,
        records.c.rank != "deprecated",
    ]
    if region is not None:
        stated_where.append(records.c.region_code == known_region(region, "region"))
    stated, rates = RecordReader.of(session).present_groups(
        [(RISK, RISK.rows(session, *stated_where)), (RISK, RISK.rows(session, *LIVE_RATES))]
    )
    items = [s | {"formula": None, "inputs": []} for s in stated]
    items += derive_multipliers(rates, reference, region)
    if metric is not None:
        in_vocabulary(Metric, "a metric of the vocabulary")(session, metric, "metric")
        items = [item for item in items if item["metric"] == metric]
    items.sort(key=lambda item: (item["region"]["code"], item["derived"], item["id"]))
    return items


relations = cast(Table, RecordRelation.__table__)
CONTRADICTIONS: AnySelect = select(
    relations.c.record_id, relations.c.other_record_id, relations.c.note
).where(relations.c.relation == "contradicts")
CONTRADICTION_ORDER = [relations.c.record_id, relations.c.other_record_id]


def present_disputes(session: Session, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    """Rows of ``CONTRADICTIONS`` as disputes: both records, each with its sources."""
    shown = RecordReader.of(session).by_id(
        sorted({r.record_id for r in rows} | {r.other_record_id for r in rows})
    )
    return [
        {
            "id": f"{row.record_id}~{row.other_record_id}",
            "note": row.note,
            "records": [shown[row.record_id], shown[row.other_record_id]],
        }
        for row in rows
    ]


def disputes(session: Session) -> list[dict[str, Any]]:
    """Every dispute, in the order of /v1/disputes."""
    rows = session.execute(CONTRADICTIONS.order_by(*CONTRADICTION_ORDER)).all()
    return present_disputes(session, rows)


def live_claims(session: Session) -> list[dict[str, Any]]:
    """Every claim that is not deprecated, in the order of /v1/claims."""
    rows = CLAIM.rows(session, records.c.rank != "deprecated")
    return RecordReader.of(session).present(CLAIM, rows)


def cited_article(row: Row[Any]) -> SimpleNamespace:
    """The article of a source row (``queries.sources_for``) as the citation styles read it."""
    return SimpleNamespace(
        **{
            column.name: getattr(row, column.name)
            for column in queries.ARTICLE_REF_COLUMNS
            if column.name != "article_id"
        },
        id=row.article_id,
    )


def citation_source(record: dict[str, Any]) -> tuple[str, str | None]:
    """The stored record whose first source a record's citation names, and the note beside it
    when it is not that record's quote: a derived multiplier cites its first input's article
    with how it was derived."""
    if record.get("derived") and record["derived_from"]:
        return record["derived_from"][0]["id"], f"Derived: {record['derivation']}"
    return record["id"], None


def bibtex_of(session: Session, shown: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The BibTeX entry of each record's citation, as /cite?style=bibtex gives it, by record id
    (the sources of all of them in one statement)."""
    cited = {record["id"]: citation_source(record) for record in shown}
    first = queries.sources_for(session, sorted({source for source, _ in cited.values()}))
    entries: dict[str, str] = {}
    for record_id, (source, note) in cited.items():
        row = first[source][0]
        entries[record_id] = bibtex(cited_article(row), note or f"Quoted: \u201c{row.quote}\u201d")
    return entries
