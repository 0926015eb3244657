"""Sourced statements: statistics, quotations, events and assessments, with their speaker."""

from __future__ import annotations

from typing import Any

from fastapi import Query
from pydantic import Field as PydanticField

from app.families.base import Csv, Dimension, Family, Field, Filter, label_field
from app.families.record import (
    INCLUDE_DEPRECATED,
    RECORD_COLUMNS,
    article_filter,
    assumed_fields,
    facets,
    known_person,
    month_field,
    period_label_field,
    record_join,
    region_filter,
    text_filter,
)
from app.models import Claim
from app.queries import claims, organisations, people
from app.schemas.inputs import Period, RecordIn, ShortSlug
from app.schemas.read import OrganisationRef, PersonRef, RecordBase
from app.vocab import ClaimKind, Metric, RateBasis


class ClaimIn(RecordIn):
    claim_kind: ClaimKind
    metric: Metric | None = PydanticField(
        None, description="What a numeric claim counts, e.g. deserters_helped, requests_for_help."
    )
    rate_basis: RateBasis | None = PydanticField(
        None, description="How a numeric claim's value relates to its period, when it is a rate."
    )
    speaker: ShortSlug | None = None
    organisation: ShortSlug | None = None
    period: Period | None = None


speaker_org = organisations.alias("speaker_org")


def _speaker(row: Any) -> dict[str, Any] | None:
    if row.speaker_id is None:
        return None
    return {
        "id": row.speaker_id,
        "name": row.speaker_name,
        "role": row.speaker_role,
        "organisation": row.speaker_organisation,
    }


def _organisation(row: Any) -> dict[str, Any] | None:
    if row.organisation_id is None:
        return None
    return {
        "id": row.organisation_id,
        "name": row.organisation_name,
        "aliases": list(row.organisation_aliases or []),
    }


def _id_and_name(name: str) -> Csv:
    return Csv(
        (f"{name}_id", f"{name}_name"),
        lambda value: ((value or {}).get("id"), (value or {}).get("name")),
    )


CLAIM = Family(
    kind="claim",
    path="claims",
    title="claim",
    list_doc="Claims, by id; each with its speaker, sources and a citation.",
    doc="A sourced statement: statistic, quotation, event or assessment.",
    table=claims,
    orm=Claim,
    input_model=ClaimIn,
    from_=record_join(claims)
    .outerjoin(people, people.c.id == claims.c.speaker_id)
    .outerjoin(speaker_org, speaker_org.c.id == claims.c.organisation_id),
    common=RECORD_COLUMNS,
    fields=(
        Field("claim_kind", ClaimKind, "statistic, quote, event or assessment."),
        label_field("claim_kind", ClaimKind, ClaimKind.statistic.label),
        Field(
            "metric",
            Metric | None,
            "What a numeric claim counts, e.g. deserters_helped, requests_for_help.",
            example="deserters_helped",
        ),
        label_field("metric", Metric, Metric.deserters_helped.label, optional=True),
        Field(
            "rate_basis",
            RateBasis | None,
            "per_day, per_week, per_month ... when the value is a rate; null otherwise.",
            example="per_day",
        ),
        Field(
            "speaker",
            PersonRef | None,
            "Who made the claim, when a person did.",
            columns=[
                people.c.id.label("speaker_id"),
                people.c.name.label("speaker_name"),
                people.c.role.label("speaker_role"),
                people.c.organisation_id.label("speaker_organisation"),
            ],
            present=_speaker,
            csv=_id_and_name("speaker"),
            store=lambda model: {"speaker_id": model.speaker},
        ),
        Field(
            "organisation",
            OrganisationRef | None,
            "The organisation the claim is about or speaks for.",
            columns=[
                speaker_org.c.id.label("organisation_id"),
                speaker_org.c.name.label("organisation_name"),
                speaker_org.c.aliases.label("organisation_aliases"),
            ],
            present=_organisation,
            csv=_id_and_name("organisation"),
            store=lambda model: {"organisation_id": model.organisation},
        ),
        month_field(
            "period_start", "First month covered, YYYY-MM.", "2024-01", optional=True, start=True
        ),
        month_field(
            "period_end", "Last month covered, YYYY-MM.", "2024-12", optional=True, start=False
        ),
        *assumed_fields(optional=True),
        period_label_field(optional=True),
    ),
    filters=(
        region_filter(
            "ISO 3166-2 code of the region the claim is about; claims about Russia as a whole "
            "have no region.",
            claims.c.region_code,
        ),
        text_filter(
            "speaker",
            claims.c.speaker_id,
            "Id of the person who made the claim.",
            "grigory-sverdlin",
            120,
            known_person,
        ),
        Filter(
            "claim_kind",
            ClaimKind | None,
            Query(description="statistic, quote, event or assessment.", examples=["statistic"]),
            lambda kind: claims.c.claim_kind == kind,
        ),
        article_filter(),
        INCLUDE_DEPRECATED,
    ),
    order=(claims.c.id,),
    facets=facets({"claim_kind": claims.c.claim_kind}, claims.c.period_start),
    rollup=(
        Dimension("claim_kind", claims.c.claim_kind),
        Dimension("speaker_id", claims.c.speaker_id),
    ),
    read_base=RecordBase,
    example_id="dagens-sverdlin-share-staying-in-russia",
)
