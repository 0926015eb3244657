"""/v1/risks: regional risk multipliers and regional rates."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app import present, queries
from app.analysis import derive_multipliers
from app.deps import (
    FormatDep,
    IncludeDeprecated,
    ListOptions,
    SessionDep,
    list_options,
    region_query,
)
from app.errors import LIST_RESPONSES, NOT_FOUND
from app.formats import flat_risk
from app.routes.cite import add_record_cite_route
from app.routes.listing import (
    Listing,
    known_region,
    one_record,
    records_presenter,
    respond,
    respond_items,
    with_sources,
)
from app.schemas.read import MultiplierRead, Page, RiskRead

router = APIRouter(prefix="/risks", tags=["risks"])


@router.get("", response_model=Page[RiskRead], responses=LIST_RESPONSES)
def list_risks(
    request: Request,
    session: SessionDep,
    options: Annotated[ListOptions, list_options("risks")],
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
    listing = Listing(
        "risks",
        queries.risks_select(filters),
        [queries.risks.c.id],
        ["id"],
        records_presenter(present.risk),
        flat_risk,
    )
    return respond(request, session, options, listing)


@router.get("/multipliers", response_model=Page[MultiplierRead], responses=LIST_RESPONSES)
def list_multipliers(
    session: SessionDep,
    output: FormatDep,
    reference: Annotated[
        str, region_query("ISO 3166-2 code of the reference region (RU-MOW for Moscow).")
    ],
    region: Annotated[str | None, region_query("Only multipliers for this region.")] = None,
    metric: Annotated[
        str | None,
        Query(
            max_length=60,
            description="Only this multiplier metric, e.g. war_death_rate.",
            examples=["war_death_rate"],
        ),
    ] = None,
) -> Response:
    """Stated multipliers and ones derived from regional rates, side by side (not paginated).

    A derived multiplier divides two rates of the same metric from the same article and as-of
    month, never mixing sources or dates; it carries ``derived: true``, the formula and both
    input records with their sources.
    """
    reference = known_region(session, reference, "reference") or reference
    region = known_region(session, region, "region")
    stated = with_sources(
        session,
        queries.list_risks(
            session, queries.RiskFilters(reference=reference, region=region, risk_type="multiplier")
        ),
        present.risk,
    )
    rates = with_sources(
        session, queries.list_risks(session, queries.RiskFilters(risk_type="rate")), present.risk
    )
    items = [s | {"formula": None, "inputs": []} for s in stated]
    items += derive_multipliers(rates, reference, region)
    if metric is not None:
        items = [item for item in items if item["metric"] == metric]
    items.sort(key=lambda item: (item["region"]["code"], item["derived"], item["id"]))
    return respond_items(items, output, "multipliers", flat_risk)


@router.get("/{risk_id}", response_model=RiskRead, responses=NOT_FOUND)
def get_risk(
    risk_id: Annotated[
        str, Path(description="Stable id.", examples=["dagens-buryatia-vs-moscow-death-likelihood"])
    ],
    session: SessionDep,
) -> Response:
    """One regional risk with its sources, deprecated or not."""
    rows = queries.list_risks(session, queries.RiskFilters(ids=[risk_id]))
    return one_record(session, rows, present.risk, "risk", risk_id)


add_record_cite_route(router, "risk")
