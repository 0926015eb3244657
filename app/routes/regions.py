"""/v1/regions: Russia's federal subjects (ISO 3166-2:RU) and the records about each."""

from fastapi import APIRouter, Request, Response

from app import present, queries
from app.deps import PageDep, SessionDep
from app.errors import LIST_ERRORS, NOT_FOUND, NotFound
from app.routes.articles import records_supported_by
from app.routes.listing import page_response, with_sources
from app.schemas.read import Page, RegionDetail, RegionRead

router = APIRouter(prefix="/regions", tags=["regions"])


@router.get("", response_model=Page[RegionRead], responses=LIST_ERRORS)
def list_regions(request: Request, session: SessionDep, page: PageDep) -> Response:
    """Federal subjects by ISO 3166-2 code, with English and Russian names."""
    rows = queries.list_regions(session, page)
    data = [present.region(row) for row in rows[: page.limit]]
    return page_response(request, rows, page, ["code"], data)


@router.get("/{code}", response_model=RegionDetail, responses=NOT_FOUND)
def get_region(code: str, session: SessionDep) -> Response:
    """One region with every record about it (as region, or as reference of a risk)."""
    rows = queries.list_regions(session, code=code.upper())
    if not rows:
        raise NotFound(f"region {code!r} is not in ISO 3166-2:RU; see /v1/regions")
    body = present.region(rows[0])
    records = records_supported_by(session, region=rows[0].code)
    risks = queries.list_risks(
        session, queries.RiskFilters(include_deprecated=True, about_region=rows[0].code)
    )
    records["risks"] = with_sources(session, risks, present.risk)
    body["records"] = records
    return present.json_response(body)
