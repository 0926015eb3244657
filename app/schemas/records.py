"""Read schemas made of the record families' own (``app.families``): a family's read model comes
from its description, and these shapes hold records of every family."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Union

from pydantic import ConfigDict, Field, RootModel, create_model

from app.families import CLAIM, FAMILIES, RISK, SENTENCE
from app.records import DETAIL_RECORDS
from app.schemas.read import ArticleRead, OrganisationRead, PersonRead, RegionRead, Schema

SentenceRead = SENTENCE.read_model
RiskRead = RISK.read_model
ClaimRead = CLAIM.read_model
AnyRecord: Any = Union[tuple(family.read_model for family in FAMILIES.values())]  # noqa: UP007

ArticleRecords = create_model(  # type: ignore[call-overload]
    "ArticleRecords",
    __base__=Schema,
    **{
        family.path: (list[family.read_model], ...)  # type: ignore[name-defined]
        for family in FAMILIES.values()
    },
)


MoreRecords = create_model(  # type: ignore[call-overload]
    "MoreRecords",
    __base__=Schema,
    __doc__=f"Per family, the URL of the full list when the detail embeds only its first "
    f"{DETAIL_RECORDS} records (in list order, deprecated included), else null.",
    **{family.path: (str | None, None) for family in FAMILIES.values()},
)


class ArticleDetail(ArticleRead):
    records: ArticleRecords = Field(
        description=f"The records this article supports: the first {DETAIL_RECORDS} of each "
        "family in list order; `more_records` links to the rest."
    )
    more_records: MoreRecords = Field(
        description="The full filtered list of a family whose records are not all embedded."
    )


class RegionDetail(RegionRead):
    records: ArticleRecords = Field(
        description=f"The records about this region (as region, or as reference region of a "
        f"risk): the first {DETAIL_RECORDS} of each family in list order; `more_records` links "
        "to the rest."
    )
    more_records: MoreRecords = Field(
        description="The full filtered list of a family whose records are not all embedded."
    )


class DisputeRead(Schema):
    """Two records that contradict each other, both with their sources."""

    id: str = Field(description="'<record id>~<other record id>'.")
    note: str | None = Field(description="Why they disagree, from the research notes.")
    records: list[AnyRecord] = Field(min_length=2, max_length=2)


class MultiplierRead(RiskRead):  # type: ignore[misc,valid-type]
    """A stated multiplier, or one derived from two regional rates of one source and date."""

    formula: str | None = Field(
        description="For a derived multiplier: region rate / reference rate, with the numbers.",
        examples=["91 / 3 = 30.33"],
    )
    inputs: list[RiskRead] = Field(  # type: ignore[valid-type]
        description="For a derived multiplier: the two rate records (with their own sources)."
    )


class RiskDetail(RootModel[Any]):
    """A regional risk by id: a stored one, or a derived multiplier (``derived-...`` ids, as
    /v1/risks/multipliers lists them, with formula and inputs)."""

    # Built on first use like every read model (app.schemas.read.Schema).
    model_config = ConfigDict(defer_build=True)

    root: MultiplierRead | RiskRead  # type: ignore[valid-type]


# What a family's detail route serves, where it is more than the family's read model.
DETAIL_MODELS: dict[str, Any] = {"risk": RiskDetail}


class ChangeEntry(Schema):
    """One entity's latest change: an upsert with its current representation, or a tombstone."""

    token: str = Field(description="Resume after this entry with ?since=<token>.")
    type: Literal["sentence", "risk", "claim", "article"] | None = Field(
        description="sentence, risk, claim or article (null for a removed record whose family "
        "is no longer known).",
        examples=["sentence"],
    )
    id: str
    action: Literal["upsert", "delete"]
    reason: str | None = Field(description="Why it changed; for a removal, why it was removed.")
    changed_at: datetime
    data: AnyRecord | ArticleRead | None = Field(
        description="The entity as its own endpoint serves it now; null for a removal."
    )


class ChangeFeed(Schema):
    data: list[ChangeEntry]
    next: str | None = Field(description="URL of the next batch when more changes are waiting.")
    last_token: str = Field(description="Pass as ?since= next time to get only newer changes.")


class PersonDetail(PersonRead):
    claims: list[ClaimRead] = Field(  # type: ignore[valid-type]
        description="Every claim this person made, deprecated included."
    )


class OrganisationDetail(OrganisationRead):
    people: list[PersonRead] = Field(description="The people of this organisation.")
    claims: list[ClaimRead] = Field(  # type: ignore[valid-type]
        description="Every claim about or for this organisation, or made by one of its people; "
        "deprecated included."
    )
