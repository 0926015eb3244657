"""Every ORM model: articles and their citation chain, records (sentences, risks, claims) with
their evidence and relations, regions, people and organisations, and the revision log.

Records use joined-table inheritance: ``records`` holds what every figure has (statement, value,
rank, region, timestamps) and ``sentence_stats`` / ``risk_figures`` / ``claims`` add their own
columns. One ``records`` table gives every figure one stable id space, so evidence, relations and
the revision log point at records through real foreign keys instead of a polymorphic pair.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class Region(Base):
    """A federal subject of Russia as listed in ISO 3166-2:RU (loaded from pycountry)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))  # English, as people write it: Buryatia
    name_iso: Mapped[str] = mapped_column(String(120))  # ISO 3166-2: Buryatiya, Respublika
    name_ru: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(40))


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)


class Person(Base):
    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    role: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))

    organisation: Mapped[Organisation | None] = relationship(lazy="raise")


class Article(Base):
    """A published article. ``url`` is empty for an article known only by name (a stub).

    ``title`` is the headline as published, or null when it is not known; ``description`` is then
    our own words for the article, kept apart so no citation passes it off as the headline."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    url: Mapped[str | None] = mapped_column(String(1000), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(String(200))
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None]
    # How much of published_at the source gives: minute, day, month, year.
    published_precision: Mapped[str | None] = mapped_column(String(10))
    published_approximate: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(12))
    retrieved_at: Mapped[datetime | None]
    archive_url: Mapped[str | None] = mapped_column(String(1000))
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    is_stub: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    citations: Mapped[list[ArticleCitation]] = relationship(
        foreign_keys="ArticleCitation.article_id",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="ArticleCitation.position",
    )


class ArticleCitation(Base):
    """``article`` cites (or relays, ``via``) ``cited``: the chain behind a figure."""

    __tablename__ = "article_citations"
    __table_args__ = (
        UniqueConstraint("article_id", "cited_article_id"),
        CheckConstraint("relation IN ('cites', 'via')", name="relation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    cited_article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"), index=True)
    relation: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)


class Record(Base):
    """What every figure or claim has, whatever its family."""

    __tablename__ = "records"
    __table_args__ = (
        CheckConstraint("kind IN ('sentence', 'risk', 'claim')", name="kind"),
        CheckConstraint("rank IN ('preferred', 'normal', 'deprecated')", name="rank"),
        CheckConstraint(
            "value_qualifier IS NULL OR value_qualifier IN "
            "('exact', 'approximate', 'at_least', 'more_than', 'less_than', 'range')",
            name="value_qualifier",
        ),
        Index("ix_records_kind_id", "kind", "id"),
        # ?region= and the region facet: covering (rank filters out deprecated records, id joins
        # the family's table), so a facet counts from the index alone in region order (3x at
        # 100k rows) instead of reading every record's row.
        Index("ix_records_region_code_rank_id", "region_code", "rank", "id"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    statement: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    value_low: Mapped[float | None] = mapped_column(Float)
    value_high: Mapped[float | None] = mapped_column(Float)
    value_qualifier: Mapped[str | None] = mapped_column(String(12))
    unit: Mapped[str | None] = mapped_column(String(80))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    rank: Mapped[str] = mapped_column(String(12), default="normal")
    rank_reason: Mapped[str | None] = mapped_column(Text)
    uncertain: Mapped[bool] = mapped_column(default=False)
    uncertainty_note: Mapped[str | None] = mapped_column(Text)
    derived: Mapped[bool] = mapped_column(default=False)
    derivation: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[list[Evidence]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="Evidence.position"
    )
    relations: Mapped[list[RecordRelation]] = relationship(
        foreign_keys="RecordRelation.record_id", cascade="all, delete-orphan", lazy="raise"
    )

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_abstract": True}


def region_copy() -> Any:
    """The family table's copy of ``records.region_code``, mapped to the same attribute: the ORM
    writes both columns from ``region_code``, so they cannot differ. It exists for the family's
    index (region_code, <its list order>): ``?region=`` then reads one region's records already
    in list order and stops after a page, instead of sorting every match (``records`` cannot
    hold the family's order columns). Not part of a data package (``info``): import fills it
    from the records it loads."""
    return column_property(
        mapped_column("region_code", String(8), info={"copy_of": "records.region_code"}),
        Record.__table__.c.region_code,
    )


def package_columns(table: Table) -> list[Column[Any]]:
    """The columns of ``table`` a data package holds, in order: all but copies of another
    table's column (``region_copy``), which import fills from the row they copy."""
    return [column for column in table.columns if "copy_of" not in column.info]


class SentenceStat(Record):
    """A court statistic: how many cases, sentences or convictions over a period."""

    __tablename__ = "sentence_stats"
    __table_args__: Any = (
        Index("ix_sentence_stats_period_start_id", "period_start", "id"),
        # ?measure= in list order: the matches come out of the index already sorted, and a
        # page stops after its rows instead of sorting every match (39x at 1M rows).
        Index("ix_sentence_stats_measure_period_start_id", "measure", "period_start", "id"),
        Index("ix_sentence_stats_region_code_period_start_id", "region_code", "period_start", "id"),
    )

    id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    # True when the source does not state the month (the curators assumed it).
    period_start_assumed: Mapped[bool] = mapped_column(default=False)
    period_end_assumed: Mapped[bool] = mapped_column(default=False)
    measure: Mapped[str] = mapped_column(String(40))
    rate_basis: Mapped[str] = mapped_column(String(20))
    offences: Mapped[str | None] = mapped_column(Text)
    # Sorted, comma-separated Criminal Code articles ("332,337,338"); empty when none is named.
    criminal_code_articles: Mapped[str] = mapped_column(String(40), default="")
    counted_by: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str | None] = region_copy()

    __mapper_args__ = {"polymorphic_identity": "sentence"}


class RiskFigure(Record):
    """A regional risk: a multiplier against a reference region, or a plain regional rate."""

    __tablename__ = "risk_figures"
    __table_args__: Any = (Index("ix_risk_figures_region_code_id", "region_code", "id"),)

    id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    risk_type: Mapped[str] = mapped_column(String(12))
    metric: Mapped[str] = mapped_column(String(60), index=True)
    reference_region_code: Mapped[str | None] = mapped_column(
        ForeignKey("regions.code"), index=True
    )
    reference_label: Mapped[str | None] = mapped_column(String(200))
    as_of: Mapped[date | None]
    as_of_precision: Mapped[str | None] = mapped_column(String(10))
    region_code: Mapped[str | None] = region_copy()

    __mapper_args__ = {"polymorphic_identity": "risk"}


class Claim(Record):
    """A sourced statement: a statistic, a quotation, an event or an assessment."""

    __tablename__ = "claims"
    __table_args__: Any = (Index("ix_claims_region_code_id", "region_code", "id"),)

    id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    claim_kind: Mapped[str] = mapped_column(String(12), index=True)
    metric: Mapped[str | None] = mapped_column(String(60))
    rate_basis: Mapped[str | None] = mapped_column(String(20))  # a rate: "71 requests a day"
    speaker_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), index=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    period_start_assumed: Mapped[bool] = mapped_column(default=False)
    period_end_assumed: Mapped[bool] = mapped_column(default=False)
    region_code: Mapped[str | None] = region_copy()

    __mapper_args__ = {"polymorphic_identity": "claim"}


class Evidence(Base):
    """The verbatim quote in an article that supports a record (a W3C TextQuoteSelector)."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_record_id_position", "record_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"), index=True)
    quote: Mapped[str] = mapped_column(Text)
    quote_en: Mapped[str | None] = mapped_column(Text)
    prefix: Mapped[str | None] = mapped_column(Text)
    suffix: Mapped[str | None] = mapped_column(Text)
    # True only when the quote was found in the stored snapshot of the article text.
    verified: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class RecordRelation(Base):
    """``record`` corroborates / contradicts / is derived from / relays / is a translation of
    ``other`` (app.vocab.RecordRelationKind)."""

    __tablename__ = "record_relations"
    __table_args__ = (
        UniqueConstraint("record_id", "other_record_id", "relation"),
        CheckConstraint(
            "relation IN ('corroborates', 'contradicts', 'derived_from', 'relays', "
            "'translation_of')",
            name="relation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    other_record_id: Mapped[str] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(14))
    note: Mapped[str | None] = mapped_column(Text)


class Revision(Base):
    """Append-only log of every change to an article or record: the basis of the change feed
    and of replay. ``snapshot`` is the entity as loaded (null for a removal)."""

    __tablename__ = "revisions"
    __table_args__ = (
        CheckConstraint("action IN ('create', 'update', 'delete')", name="action"),
        Index("ix_revisions_entity_entity_id", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(12))
    entity_id: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(8))
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    # Indexed: Last-Modified is max(created_at), read on every request path once a second.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FacetCount(Base):
    """How many records share one combination of what facets count and coarse filters select:
    the family, the region, the rank, the year, the first source's publisher and the family's
    own columns (``app.rollup``). Derived, like the search index: rebuilt in the transaction of
    every load (seed and import), never part of a data package. A facet whose filters are all
    conditions on these columns sums a few thousand of these rows instead of counting every
    matching record.

    Each record is counted once in ``records``, in the group of its first source (its
    lowest-id evidence at position 0; none: ``publisher`` null); ``first_sources`` counts the
    record's evidence rows at position 0 with this publisher, which is what the publisher facet
    counts (a join on the first source)."""

    __tablename__ = "facet_counts"
    __table_args__ = (Index("ix_facet_counts_kind", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str | None] = mapped_column(String(8))
    rank: Mapped[str] = mapped_column(String(12))
    year: Mapped[int | None]
    publisher: Mapped[str | None] = mapped_column(String(200))
    # The families' own: sentence (measure, granularity), risk (metric, reference region),
    # claim (claim_kind, speaker); null in the other families' rows.
    measure: Mapped[str | None] = mapped_column(String(40))
    granularity: Mapped[str | None] = mapped_column(String(12))
    metric: Mapped[str | None] = mapped_column(String(60))
    reference_region_code: Mapped[str | None] = mapped_column(String(8))
    claim_kind: Mapped[str | None] = mapped_column(String(12))
    speaker_id: Mapped[str | None] = mapped_column(String(80))
    records: Mapped[int]
    first_sources: Mapped[int]


class SearchDocument(Base):
    """The searchable text of one record or article, written by the loader with the record.

    The full-text index over it is dialect-specific and created by its migrations: an
    external-content FTS5 table ``search_fts`` on SQLite, a generated ``tsv`` column with a
    partial GIN index per ``tier`` on PostgreSQL. ``tier`` is the search order of the rank (0
    preferred, 1 normal or an article, 2 deprecated), so the index ranks one tier at a time.
    """

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(12))
    entity_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    tier: Mapped[int] = mapped_column(SmallInteger, server_default="1")
