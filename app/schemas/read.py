"""What the API returns. Routes build these shapes directly from rows (the lean path in
``app.present``); the models here document them in OpenAPI and are checked against real
responses by the schemathesis run and the tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.vocab import (
    CitationRelation,
    Measure,
    Precision,
    Rank,
    RecordRelationKind,
    Unit,
    ValueQualifier,
)

T = TypeVar("T")

# Descriptions of fields that mean the same wherever they appear; a Field(description=...) on a
# model wins. Every property in the OpenAPI schema ends up described (a test checks).
COMMON_DESCRIPTIONS = {
    "id": "Stable identifier; never reused.",
    "title": "Headline as published, verbatim; null when it is not known (see description).",
    "description": "Our own words for the article when its headline is not known; never a "
    "headline, so no citation puts it in quotation marks.",
    "publisher": "Who published the article.",
    "authors": "Authors as named in the article (empty when not named).",
    "published_precision": "How much of published_at the source gives: minute, day, month, year.",
    "language": "Language of the article (ISO 639-1).",
    "archive_url": "An archived copy of the article, when one is recorded.",
    "retrieved_at": "When the article text was retrieved, if recorded.",
    "notes": "Notes from the research: where the metadata comes from, what is uncertain.",
    "citation": "Ready-to-paste citation: author, 'title', publisher, date, URL (no title when "
    "the headline is not known).",
    "created_at": "When this entry was first loaded (UTC).",
    "updated_at": "When what this entry shows last changed (UTC).",
    "sentences": "Court statistics.",
    "risks": "Regional risks.",
    "claims": "Sourced statements.",
    "records": "The records concerned, each with its sources.",
    "article_id": "Id of the other article.",
    "relation": "cites (names it as a source) or via (relays, retells or translates it).",
    "note": "Why, in the words of the research notes.",
    "kind": "Record family: sentence, risk or claim.",
    "unit": "Unit of value / value_low / value_high: cases, sentences, people, deaths, requests, "
    "decisions, stories (counts); percent, times, deaths_per_10000_men.",
    "value": "The figure; null for a range or a non-numeric claim.",
    "value_low": "Lower bound of a range.",
    "value_high": "Upper bound of a range.",
    "value_qualifier": "exact, approximate ('around 800'), at_least, more_than, less_than, range.",
    "rank": "preferred, normal or deprecated (Wikidata-style).",
    "rank_reason": "Why the record is preferred or deprecated.",
    "uncertainty_note": "What is uncertain about the figure, from the research notes.",
    "sources": "Evidence: each article and verbatim quote that supports the record.",
    "claim_kind": "statistic, quote, event or assessment.",
    "metric": "What is measured or compared.",
    "speaker": "Who made the claim, when a person did.",
    "organisation": "The organisation the claim is about or speaks for.",
    "period_start": "First month covered, YYYY-MM.",
    "period_end": "Last month covered, YYYY-MM.",
    "count": "How many matching records have this value.",
    "status": "State of the service.",
    "risk_type": "multiplier, rate, count or share.",
    "reference_region": "The region a multiplier compares against.",
    "reference_label": "A reference that is not one region (e.g. 'other regions').",
    "as_of_precision": "How much of as_of the source gives.",
    "name": "Name.",
    "aliases": "Other names and spellings of the same one.",
    "role": "The person's role as the articles give it.",
    "name_iso": "ISO 3166-2 name (romanised Russian, as pycountry gives it).",
    "name_ru": "Russian name (from iso3166-2).",
    "article": "The article the quote comes from.",
    "measure": "What is counted: cases received, sentences, persons convicted, ...",
    "rate_basis": "per_month, per_week, per_working_day, per_day, or total over the period.",
    "counted_by": "Who counted (e.g. Mediazona from court websites, the Judicial Department).",
    "month": "The month, YYYY-MM.",
    "record_id": "Id of the record the point comes from.",
    "criminal_code_articles": "Criminal Code articles counted (337 AWOL, 338, 332).",
    "corroborated_by": "Records from other articles that state the same figure (relays and "
    "translations of it included).",
    "independent_sources": "Independent source chains behind the figure.",
    "conflicting_record_ids": "Records of the same rank that give another value for the month.",
    "action": "upsert (created or changed) or delete (removed: a tombstone).",
    "changed_at": "When the change was loaded (UTC).",
    "data": "The items.",
    "database": "The database engine (sqlite or postgresql).",
}


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for name, info in cls.model_fields.items():
            if not info.description and name in COMMON_DESCRIPTIONS:
                info.description = COMMON_DESCRIPTIONS[name]


class ArticleRef(Schema):
    """The article a quote comes from."""

    id: str = Field(examples=["dagens-2024-10-02-russian-soldiers-flee-to-the-forest"])
    url: str | None = Field(
        description="Where the article was published; null for an article known only by name."
    )
    title: str | None
    description: str | None
    publisher: str = Field(examples=["Dagens"])
    authors: list[str] = Field(examples=[["Kathrine Frich"]])
    published_at: str | None = Field(
        description="ISO 8601 at the precision the source gives: 2024-10-02T08:17Z (minute, "
        "UTC), 2024-10-02 (day), 2024-10 (month), 2024 (year); null when not shown.",
        examples=["2024-10-02T08:17Z"],
    )
    published_precision: Precision | None
    published_approximate: bool = Field(description="True when the date itself is approximate.")
    language: str | None = Field(examples=["en"])


class SourceArticle(ArticleRef):
    """The article a record's quote comes from: always a published one, with its URL."""

    url: str = Field(description="Where the article was published.")


RecordKind = Literal["sentence", "risk", "claim"]


class SourceRef(Schema):
    """Evidence: the verbatim quote in an article that supports the record."""

    article: SourceArticle
    quote: str = Field(description="Verbatim text of the article (original language).")
    quote_en: str | None = Field(description="English gloss when the quote is not in English.")
    text_fragment_url: str = Field(
        description="The article URL with a text fragment (#:~:text=start,end) that opens the "
        "page scrolled to the quote, in browsers that support it."
    )
    prefix: str | None = Field(description="Text just before the quote (W3C TextQuoteSelector).")
    suffix: str | None = Field(description="Text just after the quote (W3C TextQuoteSelector).")
    verified: bool = Field(
        description="True when the quote was checked against a stored snapshot of the article."
    )


class RegionRef(Schema):
    code: str = Field(description="ISO 3166-2 code.", examples=["RU-BU"])
    name: str = Field(
        description="English name, as people write it (from iso3166-2, with Oblast / Krai "
        "added from the ISO type).",
        examples=["Buryatia"],
    )
    name_iso: str = Field(examples=["Buryatiya, Respublika"])
    name_ru: str = Field(examples=["Республика Бурятия"])


class RelatedRecord(Schema):
    """The record at the other end of a relation, with its first source."""

    id: str
    kind: RecordKind = Field(examples=["sentence"])
    value: float | None
    value_qualifier: ValueQualifier | None
    rank: Rank
    relation: RecordRelationKind = Field(
        description="The stored link: corroborates, contradicts, derived_from, relays (repeats "
        "another outlet's count) or translation_of (the same count in another language edition).",
        examples=["relays"],
    )
    outgoing: bool = Field(
        description="True when this record states the link (this record relays, translates or "
        "is derived from the other); false when the other record states it (the other relays "
        "this one). Corroborates and contradicts read the same both ways."
    )
    note: str | None = Field(description="Why the two records relate (from the research notes).")
    article: SourceArticle
    citation: str


class RecordBase(Schema):
    id: str = Field(description="Stable id; never reused, unique across all record families.")
    kind: str = Field(description="sentence, risk or claim.")
    statement: str = Field(description="The figure or claim in plain words.")
    value: float | None = Field(
        description="The figure; null for a range or a non-numeric claim. An integer when the "
        "unit is a count and the figure is whole (684, not 684.0).",
        examples=[684],
    )
    value_low: float | None = Field(description="Lower bound of a range (an integer as value).")
    value_high: float | None = Field(description="Upper bound of a range (an integer as value).")
    value_qualifier: ValueQualifier | None = Field(
        description="How exact the value is as worded by the source (approximate = 'around')."
    )
    unit: Unit | None = Field(examples=["sentences"])
    unit_label: str | None = Field(
        description="The unit in words (its label in the vocabulary).", examples=["criminal cases"]
    )
    region: RegionRef | None = Field(description="The region the record is about; null = Russia.")
    rank: Rank = Field(description="preferred / normal / deprecated (Wikidata-style).")
    rank_reason: str | None
    uncertain: bool = Field(description="True when the research notes flag the figure UNCERTAIN.")
    uncertainty_note: str | None
    derived: bool = Field(description="True when no article states the value: it is computed.")
    derivation: str | None = Field(description="How a derived value was computed.")
    sources: list[SourceRef] = Field(min_length=1)
    citation: str = Field(
        description="Ready-to-paste citation of the first source.",
        examples=[
            "Kathrine Frich, 'Russian Soldiers Flee to the Forest as Desertion Rates Hit "
            "Record High', Dagens, 2 October 2024, https://dagens.com/war/..."
        ],
    )
    corroborated_by: list[RelatedRecord] = Field(
        description="Records from other articles that state the same figure: independent "
        "corroborations, and relays and translations of the same count (their `relation` says "
        "which; a relay or translation adds no independent source)."
    )
    contradicted_by: list[RelatedRecord] = Field(
        description="Records that disagree with this one; see also /v1/disputes."
    )
    derived_from: list[RelatedRecord] = Field(
        description="For a derived record: the records its value is computed from."
    )
    independent_sources: int = Field(
        description="Independent source chains behind this figure (its own article and those of "
        "records linked as `corroborates`); a record linked as `relays` or `translation_of` "
        "adds none, and articles relaying the same upstream count as one.",
        examples=[1],
    )
    created_at: datetime
    updated_at: datetime


class PersonRef(Schema):
    id: str = Field(examples=["grigory-sverdlin"])
    name: str = Field(examples=["Grigory Sverdlin"])
    role: str | None
    organisation: str | None = Field(description="Organisation id.", examples=["idite-lesom"])


class OrganisationRef(Schema):
    id: str = Field(examples=["idite-lesom"])
    name: str = Field(examples=["Idite Lesom"])
    aliases: list[str] = Field(examples=[["Go by the Forest", "Get Lost", "Run to the Forest"]])


class CitationLink(Schema):
    article_id: str
    relation: CitationRelation
    note: str | None


class ArticleRead(ArticleRef):
    archive_url: str | None
    retrieved_at: datetime | None
    snapshot_sha256: str | None = Field(description="sha256 of the stored text snapshot, if any.")
    is_stub: bool = Field(description="True for an article known only by name (no URL found).")
    notes: str | None
    cites: list[CitationLink] = Field(description="Articles this one cites or relays.")
    cited_by: list[CitationLink] = Field(description="Articles that cite or relay this one.")
    citation: str
    created_at: datetime
    updated_at: datetime


class RegionRead(RegionRef):
    type: str = Field(description="ISO 3166-2 subdivision type.", examples=["Republic"])


class FacetCount(Schema):
    value: str | None = Field(description="The field's value (null when the field is empty).")
    count: int


class Page(Schema, Generic[T]):
    data: list[T]
    next: str | None = Field(description="Absolute URL of the next page; null on the last page.")
    facets: dict[str, list[FacetCount]] | None = Field(
        None, description="Only with ?facet=: counts per value over every matching record."
    )


class Health(Schema):
    status: str = Field(examples=["ok"])


class Ready(Schema):
    status: str = Field(examples=["ready"])
    database: str = Field(examples=["sqlite"])
    revision: str | None = Field(description="The alembic revision the database is at.")


class SeriesPoint(Schema):
    """One month of a series: the figure, the record it comes from, and that record's sources."""

    month: str = Field(examples=["2024-03"])
    period_label: str = Field(description="The month in words.", examples=["March 2024"])
    value: float | None
    value_low: float | None
    value_high: float | None
    value_qualifier: ValueQualifier | None
    unit: Unit | None = Field(examples=["sentences"])
    unit_label: str | None = Field(
        description="The unit in words (its label in the vocabulary).", examples=["sentences"]
    )
    record_id: str
    rank: Rank
    criminal_code_articles: list[int]
    source_url: str = Field(
        description="Where the record's first source was published (what the citation cites)."
    )
    sources: list[SourceRef]
    citation: str
    corroborated_by: list[RelatedRecord]
    corroborating_record_ids: list[str] = Field(
        description="Records folded into this point: relays and translations of the same count "
        "(linked relays / translation_of, or corroborates while their source chain shares an "
        "upstream with this record's) and independent records that agree."
    )
    independent_sources: int
    conflict: bool = Field(
        description="True only when independent source chains of the same rank give different "
        "values for this month; each such chain is returned as its own point."
    )
    conflicting_record_ids: list[str] = Field(
        description="The records heading the other points of this month when there is a conflict."
    )


class SeriesRead(Schema):
    measure: Measure
    offence: list[int] | None = Field(
        description="The exact Criminal Code articles every point counts: those asked, or by "
        "default the broadest set the measure has (the most articles; a tie goes to the set "
        "covering more months). Null when no record of the measure names its articles."
    )
    region: str | None = Field(description="ISO 3166-2 code; null = national figures.")
    points: list[SeriesPoint] = Field(
        description="One point per month a source covers; months no source covers are absent."
    )


class SearchHit(Schema):
    type: Literal["sentence", "risk", "claim", "article"] = Field(
        description="What was found: a record of a family, or an article."
    )
    id: str
    title: str = Field(description="The record's statement, or the article's title.")
    snippet: str = Field(
        description="Matching text with each match wrapped in <mark>...</mark>.",
        examples=["... <mark>Buryatia</mark> dying in the conflict is 33 times ..."],
    )
    score: float = Field(
        description="Text relevance; higher is better (comparable within a call). Hits are "
        "ordered by rank first, then by score."
    )
    url: str = Field(description="The hit's own endpoint.")
    value: float | None = Field(
        description="The record's figure (an integer for a whole count); null for an article, a "
        "range or a non-numeric claim.",
        examples=[684],
    )
    unit: Unit | None = Field(examples=["sentences"])
    period_label: str | None = Field(
        description="The period the record covers, in words (a risk's as-of month); null for an "
        "article or an undated record.",
        examples=["March 2024"],
    )
    rank: Rank | None = Field(
        description="preferred, normal or deprecated (Wikidata-style); null for an article."
    )


class PersonRead(PersonRef):
    """A person claims name as their speaker."""

    aliases: list[str] = Field(
        description="Other spellings of the name, as the articles give them.",
        examples=[["Grigori Sverdlin", "Григорий Свердлин"]],
    )


class OrganisationRead(OrganisationRef):
    """An organisation claims are about or speak for."""

    description: str | None = Field(description="What the organisation is, from the research.")
