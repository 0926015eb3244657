"""Court statistics: cases received, sentences, convictions, by period."""

from __future__ import annotations

from typing import Annotated, Self

from fastapi import Query
from pydantic import Field as PydanticField
from pydantic import model_validator
from sqlalchemy import ColumnElement, and_, case, extract, not_

from app.families.base import Dimension, Family, Field, Filter, Sort, label_field
from app.families.periods import starts_from
from app.families.record import (
    INCLUDE_DEPRECATED,
    RECORD_COLUMNS,
    article_filter,
    assumed_fields,
    facets,
    list_field,
    month_field,
    month_filter,
    months_in_order,
    period_label_field,
    record_join,
    region_filter,
)
from app.models import SentenceStat
from app.queries import sentences
from app.schemas.inputs import Label, Period, RecordIn
from app.schemas.read import RecordBase
from app.vocab import Granularity, Measure, RateBasis, ValueQualifier


class SentenceIn(RecordIn):
    period: Period
    measure: Measure
    rate_basis: RateBasis
    offences: str | None = PydanticField(None, description="What offences are counted, in words.")
    criminal_code_articles: list[Annotated[int, PydanticField(ge=1, le=361)]] = PydanticField(
        default_factory=list
    )
    counted_by: Label | None = None

    @model_validator(mode="after")
    def _has_value(self) -> Self:
        if self.value is None and self.value_qualifier is not ValueQualifier.range:
            raise ValueError("a court statistic needs a value")
        if len(",".join(str(a) for a in sorted(set(self.criminal_code_articles)))) > 40:
            raise ValueError("criminal_code_articles: more articles than fit (40 characters)")
        return self


def granularity(value: Granularity) -> ColumnElement[bool]:
    """The period length as a condition on period_start / period_end (both engines)."""
    start, end = sentences.c.period_start, sentences.c.period_end
    if value == Granularity.month:
        return start == end
    same_year = extract("year", start) == extract("year", end)
    if value == Granularity.year:
        return and_(start != end, same_year)
    return not_(same_year)


# The granularity as a number, shortest first (month 0, year 1, multi_year 2): the first key of
# ``sort=shortest_first``, computed from the same conditions as the ``granularity`` filter.
GRANULARITY_RANK = case(
    (granularity(Granularity.month), 0),
    (granularity(Granularity.year), 1),
    else_=2,
).label("granularity_rank")
PERIOD_ORDER = (sentences.c.period_start, sentences.c.id)


def _articles(text: str | None) -> list[int]:
    return [int(a) for a in text.split(",")] if text else []


def _articles_text(numbers: list[int]) -> str:
    return ",".join(str(a) for a in sorted(set(numbers)))


SENTENCE = Family(
    kind="sentence",
    path="sentences",
    title="court statistic",
    list_doc="Court statistics, earliest period first; each with its sources and a citation.",
    doc="A court statistic (what the product calls monthly court sentences).",
    table=sentences,
    orm=SentenceStat,
    input_model=SentenceIn,
    from_=record_join(sentences),
    common=RECORD_COLUMNS,
    fields=(
        month_field("period_start", "First month covered, YYYY-MM.", "2024-01", start=True),
        month_field("period_end", "Last month covered, YYYY-MM.", "2024-12", start=False),
        *assumed_fields(),
        period_label_field(),
        Field("measure", Measure, "What is counted: cases received, sentences, persons convicted."),
        label_field("measure", Measure, Measure.sentences.label),
        Field(
            "rate_basis",
            RateBasis,
            "per_month, per_week, per_working_day, per_day, or total over the period.",
        ),
        Field("offences", str | None, "The offences counted, in words."),
        list_field(
            "criminal_code_articles",
            int,
            "Articles of the Criminal Code named by the source (337 AWOL, 338 desertion, 332 "
            "failure to obey an order).",
            [337],
            _articles,
            _articles_text,
        ),
        Field(
            "counted_by",
            str | None,
            "Who counted (e.g. Mediazona from court websites, the Judicial Department).",
            example="Mediazona (military court websites)",
        ),
    ),
    filters=(
        month_filter(
            "from_",
            "Only records whose period ends in or after this month (YYYY-MM).",
            lambda month: sentences.c.period_end >= month,
            alias="from",
            bound=starts_from,
        ),
        month_filter(
            "to",
            "Only records whose period starts in or before this month (YYYY-MM).",
            lambda month: sentences.c.period_start <= month,
        ),
        region_filter(
            "ISO 3166-2 code of the region; national figures have no region.",
            sentences.c.region_code,
        ),
        Filter(
            "measure",
            Measure | None,
            Query(
                description="What is counted: cases received, sentences, persons convicted, ...",
                examples=["sentences"],
            ),
            lambda measure: sentences.c.measure == measure,
        ),
        Filter(
            "granularity",
            Granularity | None,
            Query(
                description="Only figures over a period of this length: month (one month), year "
                "(several months within one calendar year) or multi_year. To answer 'how many "
                "in March 2024', ask from=2024-03&to=2024-03&granularity=month: without it, "
                "totals and averages whose period includes the month are listed too, in period "
                "order.",
                examples=["month"],
            ),
            granularity,
        ),
        article_filter(),
        INCLUDE_DEPRECATED,
    ),
    check_filters=months_in_order,
    order=PERIOD_ORDER,
    sorts=(
        Sort("period", PERIOD_ORDER, "earliest period first (the default)"),
        Sort(
            "shortest_first",
            (GRANULARITY_RANK, *PERIOD_ORDER),
            "monthly figures first, then those within one year, then multi-year ones, each by "
            "period: asked about one month (from=2024-03&to=2024-03), the monthly count comes "
            "before the totals and averages whose period includes it",
        ),
    ),
    facets=facets({"measure": sentences.c.measure}, sentences.c.period_start),
    rollup=(
        Dimension("measure", sentences.c.measure),
        Dimension("granularity", conditions={g.value: granularity(g) for g in Granularity}),
    ),
    read_base=RecordBase,
    example_id="mediazona-2024-03-sentences-337",
    cursor_example="2024-03~mediazona-2024-03-sentences-337",
)
