"""/v1/regions: Russia's federal subjects (ISO 3166-2:RU) and the records about each."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app import present, queries
from app.deps import ListOptions, SessionDep, list_options
from app.errors import LIST_RESPONSES, NOT_FOUND, NotFound, quoted
from app.formats import flat_region
from app.routes.articles import records_supported_by
from app.routes.listing import Listing, respond, with_sources
from app.schemas.read import Page, RegionDetail, RegionRead

router = APIRouter(prefix="/regions", tags=["regions"])


@router.get("", response_model=Page[RegionRead], responses=LIST_RESPONSES)
def list_regions(
    request: Request, session: SessionDep, options: Annotated[ListOptions, list_options("regions")]
) -> Response:
    """Federal subjects by ISO 3166-2 code, with English and Russian names."""
    listing = Listing(
        "regions",
        queries.regions_select(),
        [queries.regions.c.code],
        ["code"],
        lambda _session, rows: [present.region(row) for row in rows],
        flat_region,
    )
    return respond(request, session, options, listing)


@router.get("/{code}", response_model=RegionDetail, responses=NOT_FOUND)
def get_region(
    code: Annotated[str, Path(description="Stable id.", examples=["RU-BU"])],
    session: SessionDep,
) -> Response:
    """One region with every record about it (as region, or as reference of a risk)."""
    rows = queries.list_regions(session, code=code.upper())
    if not rows:
        raise NotFound(f"region {quoted(code)} is not in ISO 3166-2:RU; see /v1/regions")
    body = present.region(rows[0])
    records = records_supported_by(session, region=rows[0].code)
    risks = queries.list_risks(
        session, queries.RiskFilters(include_deprecated=True, about_region=rows[0].code)
    )
    records["risks"] = with_sources(session, risks, present.risk)
    body["records"] = records
    return present.json_response(body)
