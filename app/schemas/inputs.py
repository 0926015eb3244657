"""Input models: one seed file (an article and every record it supports) and the people file.

The loader, ``import`` and the future write API validate through these same models, so a figure
that the API would refuse cannot get in through the seed or a data package either. The limits
here are the database's own (column lengths, no NUL, finite numbers), so ``seed --check`` catches
everything a load would fail on, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

from app.vocab import (
    MONTH_PATTERN,
    REGION_PATTERN,
    CitationRelation,
    Precision,
    Rank,
    RecordRelationKind,
    Unit,
    ValueQualifier,
)

SLUG_RE = r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$"
Slug = Annotated[str, Field(pattern=SLUG_RE, description="Stable lower-case id (a slug).")]
# People and organisations have 80-character ids (their columns are String(80)).
ShortSlug = Annotated[str, Field(pattern=SLUG_RE, max_length=80)]
MAX_TEXT = 20_000  # characters in any one text field: ample for a quote, bounded for the rest
MAX_URL = 1000  # the url columns are String(1000)
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The same patterns the query parameters declare in OpenAPI (one definition, in vocab).
MONTH_RE = re.compile(MONTH_PATTERN)
REGION_RE = re.compile(REGION_PATTERN)


def parse_month(value: str) -> date:
    """'2024-03' -> date(2024, 3, 1); raises ValueError with a readable reason."""
    if not MONTH_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not a month in the form YYYY-MM")
    return date(int(value[:4]), int(value[5:]), 1)


def _month(value: Any) -> date:
    if isinstance(value, date):
        return value.replace(day=1)
    return parse_month(str(value))


def storable(text: str) -> str:
    """``text`` if both databases can store it: PostgreSQL refuses NUL, and a lone surrogate
    (from a ``\\ud800`` escape) is not UTF-8 at all."""
    if UNSTORABLE.search(text):
        raise ValueError("contains a NUL character or a lone surrogate, which cannot be stored")
    return text


def _web_url(value: Any) -> Any:
    """Refuse what the URL parser would silently drop (a CR, LF, tab or NUL inside a URL),
    since the stored URL must be the one given."""
    if isinstance(value, str) and re.search(r"[\x00-\x20\x7f]", value):
        raise ValueError("a URL cannot contain whitespace or control characters")
    return value


def _fits(url: HttpUrl) -> HttpUrl:
    if len(str(url)) > MAX_URL:
        raise ValueError(f"a URL longer than {MAX_URL} characters")
    return url


# http and https only (HttpUrl refuses javascript:, data:, file: ...): these URLs are served
# as links, e.g. in ``Link: rel="cite-as"``.
WebUrl = Annotated[HttpUrl, BeforeValidator(_web_url), AfterValidator(_fits)]
Month = Annotated[Any, AfterValidator(_month)]
NonEmpty = Annotated[str, Field(min_length=1)]


def _headline(value: str) -> str:
    """A bracketed title was our own description; it goes in ``description``, so a citation
    never quotes it as if it were the headline."""
    if value.startswith("[") and value.endswith("]"):
        raise ValueError(
            "a bracketed title is a description we wrote, not the headline: "
            "give it as description (without the brackets) and leave title out"
        )
    return value


Headline = Annotated[
    str,
    Field(min_length=1, description="The headline as published, verbatim."),
    AfterValidator(_headline),
]
Description = Annotated[
    str,
    Field(min_length=1, description="Our own words for an article whose headline is not known."),
]
Name = Annotated[str, Field(min_length=1, max_length=200)]  # the name columns are String(200)
Label = Annotated[str, Field(max_length=200)]


def _storable_values(value: Any) -> Any:
    if isinstance(value, str):
        storable(value)
    elif isinstance(value, list | tuple):
        for item in value:
            _storable_values(item)
    return value


class Strict(BaseModel):
    # defer_build: validators are built on first use (seed, import), not when the server
    # imports the record families that name these models (issue 11: cold start).
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        str_max_length=MAX_TEXT,
        allow_inf_nan=False,
        defer_build=True,
    )

    # Every string field and list of strings (nested models check their own fields).
    _storable = field_validator("*", mode="before")(_storable_values)


class EvidenceIn(Strict):
    quote: NonEmpty = Field(description="Verbatim text of the article that states the figure.")
    quote_en: str | None = Field(None, description="English gloss when the quote is not English.")
    prefix: str | None = Field(None, description="Words just before the quote (TextQuoteSelector).")
    suffix: str | None = Field(None, description="Words just after the quote (TextQuoteSelector).")


class Period(Strict):
    """The months a figure covers, as the source states them. A month the source does not state
    (a start taken as the war's, "by mid-2022" read as June) is flagged ``*_assumed``, so the
    data says it, not only the statement's prose."""

    start: Month
    end: Month
    start_assumed: bool = Field(False, description="True when the source does not state start.")
    end_assumed: bool = Field(False, description="True when the source does not state end.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError("period end is before its start")
        return self


class DerivationIn(Strict):
    from_: list[Slug] = Field(alias="from", min_length=1, description="Ids of the input records.")
    rule: NonEmpty = Field(
        description="How the value follows from the inputs, in words or a formula."
    )


class RecordIn(Strict):
    """Fields every record has."""

    id: Slug
    statement: NonEmpty = Field(description="The figure or claim in plain words.")
    value: float | None = None
    value_low: float | None = None
    value_high: float | None = None
    value_qualifier: ValueQualifier | None = None
    unit: Unit | None = Field(None, description="What one of the value is (app.vocab.Unit).")
    region: str | None = Field(None, description="ISO 3166-2 code (RU-BU); empty = national.")
    rank: Rank = Rank.normal
    rank_reason: str | None = None
    uncertain: bool = False
    uncertainty_note: str | None = None
    derived: DerivationIn | None = None
    evidence: list[EvidenceIn] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.value_qualifier is ValueQualifier.range:
            if self.value_low is None or self.value_high is None:
                raise ValueError("a range needs value_low and value_high")
            if self.value_low > self.value_high:
                raise ValueError("value_low is greater than value_high")
        elif self.value is not None and self.value_qualifier is None:
            raise ValueError("a value needs a value_qualifier (exact, approximate, ...)")
        if self.rank is not Rank.normal and not self.rank_reason:
            raise ValueError(f"rank {self.rank.value} needs a rank_reason")
        if self.uncertain and not self.uncertainty_note:
            raise ValueError("an uncertain record needs an uncertainty_note")
        return self

    @field_validator("region")
    @classmethod
    def _region_code(cls, value: str | None) -> str | None:
        if value is not None and not REGION_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not an ISO 3166-2:RU code such as RU-BU")
        return value


class RelationIn(Strict):
    from_: Slug = Field(alias="from")
    relation: RecordRelationKind
    to: Slug
    note: str | None = None


class CitationIn(Strict):
    """A cited article: a reference to another seed file's article, or a stub known by name."""

    article: Slug
    relation: CitationRelation = CitationRelation.cites
    note: str | None = None
    # Stub fields: set only when the cited article has no file of its own.
    publisher: Name | None = None
    title: Headline | None = None
    description: Description | None = None
    url: WebUrl | None = None
    published: date | None = None
    published_precision: Precision | None = None
    cites: list[CitationIn] = Field(
        default_factory=list, description="A stub's own upstream (e.g. a relayed report's source)."
    )


class SnapshotIn(Strict):
    file: NonEmpty
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _date_or_datetime(value: Any) -> Any:
    """'2024-10-02' is a date (day precision), not midnight UTC; a time needs its offset."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    return value


def _aware(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("a time without a timezone offset; add +00:00 or the printed offset")
    return value


class ArticleIn(Strict):
    id: Slug
    url: WebUrl
    title: Headline | None = None
    description: Description | None = None
    publisher: Name
    authors: list[NonEmpty] = Field(default_factory=list)
    published: date | datetime | None = Field(
        None, description="As precise as the source gives it; a date alone when no time is shown."
    )
    published_precision: Precision | None = None
    published_approximate: bool = False
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$", max_length=12)]
    retrieved_at: datetime | None = None
    archive_url: WebUrl | None = None
    snapshot: SnapshotIn | None = None
    notes: str | None = None
    cites: list[CitationIn] = Field(default_factory=list)

    _published_form = field_validator("published", mode="before")(_date_or_datetime)
    _published_aware = field_validator("published", mode="after")(_aware)
    _retrieved_aware = field_validator("retrieved_at", mode="after")(_aware)

    @model_validator(mode="after")
    def _precision(self) -> Self:
        if self.published is not None and self.published_precision is None:
            raise ValueError("published needs published_precision (minute, day, month, year)")
        return self

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.title is None and self.description is None:
            raise ValueError("give title (the headline as published) or description (our words)")
        return self


class OrganisationIn(Strict):
    id: ShortSlug
    name: Name
    aliases: list[NonEmpty] = Field(default_factory=list)
    description: str | None = None


class PersonIn(Strict):
    id: ShortSlug
    name: Name
    aliases: list[NonEmpty] = Field(default_factory=list)
    role: Label | None = None
    organisation: ShortSlug | None = None


class PeopleFile(Strict):
    """seed/people.yaml: the organisations and people that claims name as speakers."""

    organisations: list[OrganisationIn] = Field(default_factory=list)
    people: list[PersonIn] = Field(default_factory=list)
