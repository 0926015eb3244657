"""/v1/regions: Russia's federal subjects (ISO 3166-2:RU) and the records about each."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app import present, queries
from app.csv_rows import as_is
from app.deps import SessionDep
from app.errors import NOT_FOUND, NotFound, quoted
from app.families import FAMILIES
from app.families.risk import RISK
from app.links import public
from app.records import RecordReader
from app.routes.listing import Listing, add_listing
from app.schemas.read import Page, RegionRead
from app.schemas.records import RegionDetail

router = APIRouter(prefix="/regions", tags=["regions"])

REGIONS_CSV = as_is(RegionRead.model_fields)


add_listing(
    router,
    "list_regions",
    Listing(
        "regions",
        queries.regions_select(),
        [queries.regions.c.code],
        lambda _session, rows: [present.region(row) for row in rows],
        REGIONS_CSV,
    ),
    "Federal subjects by ISO 3166-2 code, with English and Russian names.",
    Page[RegionRead],
    cursor_example="RU-BU",
)


@router.get("/{code}", response_model=RegionDetail, responses=NOT_FOUND)
def get_region(
    code: Annotated[str, Path(description="Stable id.", examples=["RU-BU"])],
    request: Request,
    session: SessionDep,
) -> Response:
    """One region with the records about it (as region, or as reference of a risk): the first
    of each family, and a link to the full list when there are more."""
    row = session.execute(queries.regions_select(code.upper())).first()
    if row is None:
        raise NotFound(f"region {quoted(code)} is not in ISO 3166-2:RU; see /v1/regions")
    body = present.region(row)
    lists = {
        path: str(
            public(request, f"/v1/{path}").include_query_params(
                region=row.code, include_deprecated="true"
            )
        )
        for path in ("sentences", "claims")
    }
    # Each family's own ?region= condition: its index (region_code, <list order>) gives the
    # first records in order without reading the region's others.
    about = {kind: family.condition("region", row.code) for kind, family in FAMILIES.items()}
    # A region's risks are few (one per source and reference), and no list filter selects
    # "as region or as reference": they are embedded whole.
    about["risk"] = about["risk"] | RISK.condition("reference", row.code)
    body["records"], body["more_records"] = RecordReader.of(session).embedded(
        {kind: [condition] for kind, condition in about.items()},
        lists | {"risks": None},
    )
    return present.json_response(body)
