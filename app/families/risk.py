"""Regional risks: a multiplier against a reference region, or a plain regional rate."""

from __future__ import annotations

from typing import Self

from fastapi import Query
from pydantic import model_validator

from app.families.base import Dimension, Family, Field, Filter, label_field, shown
from app.families.record import (
    INCLUDE_DEPRECATED,
    RECORD_COLUMNS,
    article_filter,
    facets,
    month_field,
    record_join,
    region_field,
    region_filter,
)
from app.lookups import in_vocabulary
from app.models import RiskFigure
from app.present import period_label
from app.queries import regions, risks
from app.schemas.inputs import Label, Month, RecordIn
from app.schemas.read import RecordBase
from app.vocab import Metric, Precision, RiskType


class RiskIn(RecordIn):
    risk_type: RiskType
    metric: Metric
    reference_region: str | None = None
    reference_label: Label | None = None
    as_of: Month | None = None
    as_of_precision: Precision | None = None

    @model_validator(mode="after")
    def _reference(self) -> Self:
        if self.region is None:
            raise ValueError("a regional risk needs a region")
        if self.risk_type is RiskType.multiplier and not (
            self.reference_region or self.reference_label
        ):
            raise ValueError("a multiplier needs a reference_region or reference_label")
        return self


reference = regions.alias("reference")

RISK = Family(
    kind="risk",
    path="risks",
    title="regional risk",
    list_doc="Regional risks, by id; each with its sources and a citation.",
    doc="A regional risk: a multiplier against a reference region, or a plain regional rate.",
    table=risks,
    orm=RiskFigure,
    input_model=RiskIn,
    from_=record_join(risks).outerjoin(
        reference, reference.c.code == risks.c.reference_region_code
    ),
    common=RECORD_COLUMNS,
    fields=(
        Field("risk_type", RiskType, "multiplier, rate, count or share."),
        Field("metric", Metric, "What is measured or compared.", example="war_death_rate"),
        label_field("metric", Metric, Metric.war_death_rate.label),
        region_field(
            "reference_region",
            reference,
            "reference",
            "The region a multiplier compares against.",
            input_name="reference_region",
        ),
        Field(
            "reference_label",
            str | None,
            "A reference that is not one region (e.g. 'other regions').",
        ),
        month_field("as_of", "YYYY-MM the figure refers to.", "2025-05", optional=True),
        Field("as_of_precision", Precision | None, "How much of as_of the source gives."),
        shown(
            "as_of_label",
            str | None,
            "as_of in words, at the precision the source gives: May 2025, or 2025.",
            lambda row: period_label(row.as_of, precision=row.as_of_precision),
            example="May 2025",
        ),
    ),
    filters=(
        region_filter("ISO 3166-2 code of the region at risk.", risks.c.region_code),
        region_filter(
            "ISO 3166-2 code of the reference region of a multiplier (RU-MOW for Moscow).",
            risks.c.reference_region_code,
            name="reference",
        ),
        Filter(
            "metric",
            str | None,
            Query(
                description="What is compared (the metric vocabulary): war_death_rate, "
                "war_deaths_per_10000_men, ...",
                examples=["war_death_rate"],
                json_schema_extra={"enum": [metric.value for metric in Metric]},
            ),
            lambda metric: risks.c.metric == metric,
            check=in_vocabulary(Metric, "a metric of the vocabulary"),
        ),
        article_filter(),
        INCLUDE_DEPRECATED,
    ),
    order=(risks.c.id,),
    facets=facets({"metric": risks.c.metric}, risks.c.as_of),
    rollup=(
        Dimension("metric", risks.c.metric),
        Dimension("reference_region_code", risks.c.reference_region_code),
    ),
    read_base=RecordBase,
    example_id="dagens-buryatia-vs-moscow-death-likelihood",
)
