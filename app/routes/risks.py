"""/v1/risks: regional risk multipliers and regional rates."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.charts import multipliers_svg, svg_response, svg_responses
from app.csv_rows import record_table
from app.deps import ChartSizeDep, ListOptions, SessionDep, list_options, region_query
from app.families import RISK
from app.figures import MultiplierQuery, multipliers
from app.negotiation import OutputFormat
from app.regions import known_region
from app.routes.family import add_list_route, add_record_routes
from app.routes.listing import add_list_operations, respond_items
from app.schemas.read import Page
from app.schemas.records import MultiplierRead
from app.vocab import Metric

router = APIRouter(prefix="/risks", tags=["risks"])
add_list_route(router, RISK)

MULTIPLIERS_CSV = record_table(RISK, extra=("formula",))


def multiplier_query(
    reference: Annotated[
        str, region_query("ISO 3166-2 code of the reference region (RU-MOW for Moscow).")
    ],
    region: Annotated[str | None, region_query("Only multipliers for this region.")] = None,
    metric: Annotated[
        str | None,
        Query(
            description="Only this multiplier metric (the metric vocabulary), e.g. war_death_rate.",
            examples=["war_death_rate"],
            json_schema_extra={"enum": [metric.value for metric in Metric]},
        ),
    ] = None,
) -> MultiplierQuery:
    """The parameters of the multipliers: one place for the list, its exports and its chart."""
    return MultiplierQuery(known_region(reference, "reference"), region, metric)


MultiplierParams = Annotated[MultiplierQuery, Depends(multiplier_query)]


def _multipliers(output: OutputFormat) -> Callable[..., Response]:
    def list_multipliers(
        session: SessionDep,
        options: Annotated[ListOptions, list_options(output)],
        query: MultiplierParams,
    ) -> Response:
        items = multipliers(session, query)
        return respond_items(items, options, "multipliers", MULTIPLIERS_CSV)

    return list_multipliers


add_list_operations(
    router,
    "list_multipliers",
    _multipliers,
    "Stated multipliers and ones derived from regional rates, side by side (not paginated). "
    "A derived multiplier divides two rates of the same metric from the same article and "
    "as-of month, never mixing sources or dates; it carries `derived: true`, the formula and "
    "both input records with their sources.",
    Page[MultiplierRead],
    path="/multipliers",
)


@router.get(
    "/multipliers.svg",
    response_class=Response,
    responses=svg_responses("Stated and derived multipliers"),
    name="list_multipliers_svg",
)
def list_multipliers_svg(
    session: SessionDep, query: MultiplierParams, size: ChartSizeDep
) -> Response:
    """The multipliers (same parameters, same items) as a bar chart to embed: stated and
    derived side by side, each bar linking to its source, opened at the quote."""
    items = multipliers(session, query)
    return svg_response(
        multipliers_svg(items, size, lambda item: item["sources"][0]["text_fragment_url"])
    )


add_record_routes(router, RISK)
