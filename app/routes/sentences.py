"""/v1/sentences: court statistics (cases, sentences, convictions) by period."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app import present
from app.charts import series_svg, svg_response, svg_responses
from app.csv_rows import CsvTable, joined
from app.deps import ChartSizeDep, ListOptions, SessionDep, list_options, month_query, region_query
from app.families import SENTENCE
from app.figures import SeriesQuery, series
from app.negotiation import OutputFormat
from app.routes.family import add_list_route, add_record_routes
from app.routes.listing import add_list_operations, export_response
from app.schemas.read import SeriesRead
from app.vocab import Measure

router = APIRouter(prefix="/sentences", tags=["sentences"])
add_list_route(router, SENTENCE)

OFFENCE_PATTERN = r"^\d{3}(,\d{3})*$"


SERIES_CSV = CsvTable(
    [
        *("month", "period_label", "value", "value_low", "value_high", "value_qualifier"),
        *("unit", "record_id", "rank", "criminal_code_articles", "independent_sources"),
        *("conflict", "conflicting_record_ids", "corroborating_record_ids"),
        *("source_url", "source_publisher", "citation"),
    ],
    lambda point: (
        {
            name: joined(value) if isinstance(value, list) else value
            for name, value in point.items()
            if name not in ("sources", "corroborated_by", "unit_label")
        }
        | {"source_publisher": point["sources"][0]["article"]["publisher"]}
    ),
)


def series_query(
    measure: Annotated[
        Measure, Query(description="The one measure the series counts.", examples=["sentences"])
    ],
    offence: Annotated[
        str | None,
        Query(
            pattern=OFFENCE_PATTERN,
            examples=["337"],
            description="Criminal Code articles the figures cover, exactly: 337, or "
            "332,337,338. Without it, the broadest set the measure has (the most articles; "
            "a tie goes to the set covering more months): a total and its parts are never "
            "mixed.",
        ),
    ] = None,
    from_: Annotated[str | None, month_query("First month (YYYY-MM).", alias="from")] = None,
    to: Annotated[str | None, month_query("Last month (YYYY-MM).")] = None,
    region: Annotated[
        str | None, region_query("A region's series; without it, national figures only.")
    ] = None,
) -> SeriesQuery:
    """The parameters of a series: one place for the JSON, CSV, NDJSON and SVG operations."""
    return SeriesQuery(measure, offence, from_, to, region)


SeriesParams = Annotated[SeriesQuery, Depends(series_query)]


def _series(output: OutputFormat) -> Callable[..., Response]:
    def get_series(
        session: SessionDep,
        options: Annotated[ListOptions, list_options(output)],
        query: SeriesParams,
    ) -> Response:
        body = series(session, query)
        if output is OutputFormat.json:
            return present.json_response(body)
        return export_response(
            iter(body["points"]), output, options.bom, "sentences-series", SERIES_CSV
        )

    return get_series


add_list_operations(
    router,
    "get_series",
    _series,
    "Chart-ready monthly series of one measure and one exact offence set: one point per month "
    "a source covers (months no source covers are absent, not zero). Relays and translations of "
    "a count fold into the point of the count they repeat and are listed as its "
    "corroboration; preferred records win over normal ones; where independent chains of the "
    "same rank disagree for a month, each is returned, flagged `conflict`.",
    SeriesRead,
    path="/series",
)


@router.get(
    "/series.svg",
    response_class=Response,
    responses=svg_responses("The series"),
    name="get_series_svg",
)
def get_series_svg(session: SessionDep, query: SeriesParams, size: ChartSizeDep) -> Response:
    """The series (same parameters, same points) as an SVG chart to embed: each point links to
    its source, opened at the quote; a source line under the chart names the articles."""
    body = series(session, query)
    return svg_response(
        series_svg(body, size, lambda point: point["sources"][0]["text_fragment_url"])
    )


add_record_routes(router, SENTENCE)
