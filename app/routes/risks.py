"""/v1/risks: regional risk multipliers and regional rates."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app import present, queries
from app.deps import IncludeDeprecated, PageDep, SessionDep, region_query
from app.errors import LIST_ERRORS, NOT_FOUND
from app.routes.listing import known_region, one_record, record_page
from app.schemas.read import Page, RiskRead

router = APIRouter(prefix="/risks", tags=["risks"])


@router.get("", response_model=Page[RiskRead], responses=LIST_ERRORS)
def list_risks(
    request: Request,
    session: SessionDep,
    page: PageDep,
    region: Annotated[str | None, region_query("ISO 3166-2 code of the region at risk.")] = None,
    reference: Annotated[
        str | None,
        region_query(
            "ISO 3166-2 code of the reference region of a multiplier (RU-MOW for Moscow)."
        ),
    ] = None,
    metric: Annotated[
        str | None,
        Query(
            max_length=60,
            description="What is compared: war_death_rate, war_deaths_per_10000_men.",
            examples=["war_death_rate"],
        ),
    ] = None,
    include_deprecated: IncludeDeprecated = False,
) -> Response:
    """Regional risks, by id; each with its sources and a citation."""
    filters = queries.RiskFilters(
        region=known_region(session, region, "region"),
        reference=known_region(session, reference, "reference"),
        metric=metric,
        include_deprecated=include_deprecated,
    )
    rows = queries.list_risks(session, filters, page)
    return record_page(request, session, rows, page, ["id"], present.risk)


@router.get("/{risk_id}", response_model=RiskRead, responses=NOT_FOUND)
def get_risk(risk_id: str, session: SessionDep) -> Response:
    """One regional risk with its sources, deprecated or not."""
    rows = queries.list_risks(session, queries.RiskFilters(ids=[risk_id]))
    return one_record(session, rows, present.risk, "risk", risk_id)
