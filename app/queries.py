"""Every read query. Lists are lean: Core selects that return rows (no ORM objects), one
statement for a page of records and one for all of their sources, so a page costs two queries
whatever its size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    and_,
    bindparam,
    extract,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app.models import (
    Article,
    ArticleCitation,
    Claim,
    Evidence,
    Organisation,
    Person,
    Record,
    Region,
    RiskFigure,
    SentenceStat,
)
from app.pagination import AnySelect, PageRequest, paginate

records = cast(Table, Record.__table__)
sentences = cast(Table, SentenceStat.__table__)
risks = cast(Table, RiskFigure.__table__)
claims = cast(Table, Claim.__table__)
evidence = cast(Table, Evidence.__table__)
articles = cast(Table, Article.__table__)
regions = cast(Table, Region.__table__)
people = cast(Table, Person.__table__)
organisations = cast(Table, Organisation.__table__)

region = regions.alias("region")
reference = regions.alias("reference")


def _region_columns(alias: Any, prefix: str) -> list[ColumnElement[Any]]:
    return [
        alias.c[name].label(f"{prefix}_{name}") for name in ("code", "name", "name_en", "name_ru")
    ]


RECORD_COLUMNS: list[ColumnElement[Any]] = [
    records.c.id,
    records.c.kind,
    records.c.statement,
    records.c.value,
    records.c.value_low,
    records.c.value_high,
    records.c.value_qualifier,
    records.c.unit,
    records.c.rank,
    records.c.rank_reason,
    records.c.uncertain,
    records.c.uncertainty_note,
    records.c.derived,
    records.c.derivation,
    records.c.created_at,
    records.c.updated_at,
    *_region_columns(region, "region"),
]


@dataclass(frozen=True)
class RecordFilters:
    """Filters every record list understands."""

    ids: Sequence[str] | None = None
    article: str | None = None
    region: str | None = None
    include_deprecated: bool = False


@dataclass(frozen=True)
class SentenceFilters(RecordFilters):
    from_month: date | None = None
    to_month: date | None = None
    measure: str | None = None
    # For chart series: one-month figures only, national unless a region is given, and exactly
    # these Criminal Code articles ("337", "332,337,338").
    monthly_points: bool = False
    national_only: bool = False
    articles_exactly: str | None = None


@dataclass(frozen=True)
class RiskFilters(RecordFilters):
    reference: str | None = None
    metric: str | None = None
    about_region: str | None = None  # region or reference region
    risk_type: str | None = None


@dataclass(frozen=True)
class ClaimFilters(RecordFilters):
    speaker: str | None = None
    kind: str | None = None


def _record_where(stmt: AnySelect, filters: RecordFilters) -> AnySelect:
    if filters.ids is not None:
        stmt = stmt.where(records.c.id.in_(filters.ids))
    if filters.article is not None:
        supported = select(evidence.c.record_id).where(evidence.c.article_id == filters.article)
        stmt = stmt.where(records.c.id.in_(supported))
    if filters.region is not None:
        stmt = stmt.where(records.c.region_code == filters.region)
    if not filters.include_deprecated and filters.ids is None:
        stmt = stmt.where(records.c.rank != "deprecated")
    return stmt


def sentences_select(filters: SentenceFilters) -> AnySelect:
    stmt = select(
        *RECORD_COLUMNS,
        sentences.c.period_start,
        sentences.c.period_end,
        sentences.c.measure,
        sentences.c.rate_basis,
        sentences.c.offences,
        sentences.c.criminal_code_articles,
        sentences.c.counted_by,
    ).select_from(
        sentences.join(records, records.c.id == sentences.c.id).outerjoin(
            region, region.c.code == records.c.region_code
        )
    )
    stmt = _record_where(stmt, filters)
    if filters.from_month is not None:
        stmt = stmt.where(sentences.c.period_end >= filters.from_month)
    if filters.to_month is not None:
        stmt = stmt.where(sentences.c.period_start <= filters.to_month)
    if filters.measure is not None:
        stmt = stmt.where(sentences.c.measure == filters.measure)
    if filters.monthly_points:
        stmt = stmt.where(
            sentences.c.period_start == sentences.c.period_end,
            sentences.c.rate_basis.in_(("total", "per_month")),
        )
    if filters.national_only:
        stmt = stmt.where(records.c.region_code.is_(None))
    if filters.articles_exactly is not None:
        stmt = stmt.where(sentences.c.criminal_code_articles == filters.articles_exactly)
    return stmt


SENTENCE_ORDER: list[ColumnElement[Any]] = [sentences.c.period_start, sentences.c.id]


def list_sentences(
    session: Session, filters: SentenceFilters, page: PageRequest | None = None
) -> Sequence[Row[Any]]:
    return _run(session, sentences_select(filters), SENTENCE_ORDER, page)


def risks_select(filters: RiskFilters) -> AnySelect:
    stmt = select(
        *RECORD_COLUMNS,
        risks.c.risk_type,
        risks.c.metric,
        risks.c.reference_label,
        risks.c.as_of,
        risks.c.as_of_precision,
        *_region_columns(reference, "reference"),
    ).select_from(
        risks.join(records, records.c.id == risks.c.id)
        .outerjoin(region, region.c.code == records.c.region_code)
        .outerjoin(reference, reference.c.code == risks.c.reference_region_code)
    )
    stmt = _record_where(stmt, filters)
    if filters.reference is not None:
        stmt = stmt.where(risks.c.reference_region_code == filters.reference)
    if filters.metric is not None:
        stmt = stmt.where(risks.c.metric == filters.metric)
    if filters.risk_type is not None:
        stmt = stmt.where(risks.c.risk_type == filters.risk_type)
    if filters.about_region is not None:
        stmt = stmt.where(
            or_(
                records.c.region_code == filters.about_region,
                risks.c.reference_region_code == filters.about_region,
            )
        )
    return stmt


def list_risks(
    session: Session, filters: RiskFilters, page: PageRequest | None = None
) -> Sequence[Row[Any]]:
    return _run(session, risks_select(filters), [risks.c.id], page)


def claims_select(filters: ClaimFilters) -> AnySelect:
    speaker_org = organisations.alias("speaker_org")
    stmt = select(
        *RECORD_COLUMNS,
        claims.c.claim_kind,
        claims.c.metric,
        claims.c.period_start,
        claims.c.period_end,
        people.c.id.label("speaker_id"),
        people.c.name.label("speaker_name"),
        people.c.role.label("speaker_role"),
        people.c.organisation_id.label("speaker_organisation"),
        speaker_org.c.id.label("organisation_id"),
        speaker_org.c.name.label("organisation_name"),
        speaker_org.c.aliases.label("organisation_aliases"),
    ).select_from(
        claims.join(records, records.c.id == claims.c.id)
        .outerjoin(region, region.c.code == records.c.region_code)
        .outerjoin(people, people.c.id == claims.c.speaker_id)
        .outerjoin(speaker_org, speaker_org.c.id == claims.c.organisation_id)
    )
    stmt = _record_where(stmt, filters)
    if filters.speaker is not None:
        stmt = stmt.where(claims.c.speaker_id == filters.speaker)
    if filters.kind is not None:
        stmt = stmt.where(claims.c.claim_kind == filters.kind)
    return stmt


def list_claims(
    session: Session, filters: ClaimFilters, page: PageRequest | None = None
) -> Sequence[Row[Any]]:
    return _run(session, claims_select(filters), [claims.c.id], page)


# What each list can be faceted by, as SQL expressions over its select.
FACETS: dict[str, dict[str, ColumnElement[Any]]] = {
    "sentences": {
        "region": records.c.region_code,
        "measure": sentences.c.measure,
        "publisher": articles.c.publisher,
        "year": extract("year", sentences.c.period_start),
    },
    "risks": {
        "region": records.c.region_code,
        "metric": risks.c.metric,
        "publisher": articles.c.publisher,
        "year": extract("year", risks.c.as_of),
    },
    "claims": {
        "region": records.c.region_code,
        "kind": claims.c.claim_kind,
        "publisher": articles.c.publisher,
        "year": extract("year", claims.c.period_start),
    },
    "articles": {
        "publisher": articles.c.publisher,
        "year": extract("year", articles.c.published_at),
        "language": articles.c.language,
    },
}


def facet_counts(
    session: Session, base: AnySelect, family: str, facet: str
) -> list[dict[str, Any]]:
    """Counts of the rows of ``base`` (unpaginated) per value of ``facet``, computed in SQL."""
    expression = FACETS[family][facet]
    stmt = base.with_only_columns(expression.label("value"), func.count().label("count"))
    if family != "articles" and facet == "publisher":
        first_source = and_(evidence.c.record_id == records.c.id, evidence.c.position == 0)
        stmt = stmt.join(evidence, first_source).join(
            articles, articles.c.id == evidence.c.article_id
        )
    stmt = stmt.group_by(expression).order_by(func.count().desc(), expression)
    return [
        {"value": None if row.value is None else str(row.value), "count": row.count}
        for row in session.execute(stmt)
    ]


def _run(
    session: Session, stmt: AnySelect, order: list[ColumnElement[Any]], page: PageRequest | None
) -> Sequence[Row[Any]]:
    stmt = paginate(stmt, order, page) if page is not None else stmt.order_by(*order)
    return session.execute(stmt).all()


# What a source or a relation shows of its article (present.article_ref and the citation).
ARTICLE_REF_COLUMNS: list[ColumnElement[Any]] = [
    articles.c.id.label("article_id"),
    articles.c.url,
    articles.c.title,
    articles.c.publisher,
    articles.c.authors,
    articles.c.published_at,
    articles.c.published_precision,
    articles.c.published_approximate,
    articles.c.language,
]
SOURCE_COLUMNS: list[ColumnElement[Any]] = [
    evidence.c.record_id,
    evidence.c.quote,
    evidence.c.quote_en,
    evidence.c.prefix,
    evidence.c.suffix,
    evidence.c.verified,
    *ARTICLE_REF_COLUMNS,
]


# Built once and reused with an expanding IN parameter (no statement construction per page).
SOURCES = (
    select(*SOURCE_COLUMNS)
    .select_from(evidence.join(articles, articles.c.id == evidence.c.article_id))
    .where(evidence.c.record_id.in_(bindparam("ids", expanding=True)))
    .order_by(evidence.c.record_id, evidence.c.position)
)


def sources_for(session: Session, record_ids: Sequence[str]) -> dict[str, list[Row[Any]]]:
    """Every source of every record in ``record_ids``, in one statement."""
    by_record: dict[str, list[Row[Any]]] = defaultdict(list)
    if not record_ids:
        return by_record
    for row in session.execute(SOURCES, {"ids": list(record_ids)}):
        by_record[row.record_id].append(row)
    return by_record


ARTICLE_COLUMNS: list[ColumnElement[Any]] = [
    articles.c.id,
    articles.c.url,
    articles.c.title,
    articles.c.publisher,
    articles.c.authors,
    articles.c.published_at,
    articles.c.published_precision,
    articles.c.published_approximate,
    articles.c.language,
    articles.c.archive_url,
    articles.c.retrieved_at,
    articles.c.snapshot_sha256,
    articles.c.is_stub,
    articles.c.notes,
    articles.c.created_at,
    articles.c.updated_at,
]


def articles_select(ids: Sequence[str] | None = None) -> AnySelect:
    stmt: AnySelect = select(*ARTICLE_COLUMNS)
    if ids is not None:
        stmt = stmt.where(articles.c.id.in_(ids))
    return stmt


def list_articles(
    session: Session, page: PageRequest | None = None, ids: Sequence[str] | None = None
) -> Sequence[Row[Any]]:
    return _run(session, articles_select(ids), [articles.c.id], page)


def citations_for(session: Session, article_ids: Sequence[str]) -> list[Row[Any]]:
    """Citation links touching any of ``article_ids``, in either direction."""
    citations = cast(Table, ArticleCitation.__table__)
    stmt: AnySelect = (
        select(
            citations.c.article_id,
            citations.c.cited_article_id,
            citations.c.relation,
            citations.c.note,
        )
        .where(
            or_(
                citations.c.article_id.in_(article_ids),
                citations.c.cited_article_id.in_(article_ids),
            )
        )
        .order_by(citations.c.article_id, citations.c.position)
    )
    return list(session.execute(stmt).all())


def regions_select() -> AnySelect:
    return select(
        regions.c.code, regions.c.name, regions.c.name_en, regions.c.name_ru, regions.c.type
    )


def list_regions(
    session: Session, page: PageRequest | None = None, code: str | None = None
) -> Sequence[Row[Any]]:
    stmt = select(
        regions.c.code, regions.c.name, regions.c.name_en, regions.c.name_ru, regions.c.type
    )
    if code is not None:
        stmt = stmt.where(regions.c.code == code)
    return _run(session, stmt, [regions.c.code], page)


def region_exists(session: Session, code: str) -> bool:
    return session.execute(select(literal(1)).where(regions.c.code == code)).first() is not None


def record_exists(session: Session, record_id: str, kind: str) -> bool:
    stmt = select(literal(1)).where(and_(records.c.id == record_id, records.c.kind == kind))
    return session.execute(stmt).first() is not None
