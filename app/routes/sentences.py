"""/v1/sentences: court statistics (cases, sentences, convictions) by period."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from app import present
from app.analysis import broadest_offence, series_points
from app.csv_rows import CsvTable, joined
from app.deps import ListOptions, SessionDep, list_options, month_param, month_query, region_query
from app.families import SENTENCE
from app.families.record import check_month_range
from app.negotiation import OutputFormat
from app.queries import records, sentences
from app.records import RecordReader
from app.regions import known_region
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


def _series(output: OutputFormat) -> Callable[..., Response]:
    def get_series(
        session: SessionDep,
        options: Annotated[ListOptions, list_options(output)],
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
    ) -> Response:
        body = series(session, measure, offence, from_, to, region)
        if output is OutputFormat.json:
            return present.json_response(body)
        return export_response(
            iter(body["points"]), output, options.bom, "sentences-series", SERIES_CSV
        )

    return get_series


def series(
    session: Session,
    measure: Measure,
    offence: str | None,
    from_: str | None,
    to: str | None,
    region: str | None,
) -> dict[str, Any]:
    """The series of ``measure`` for one exact offence set (the broadest when not given)."""
    start, end = month_param(from_, "from"), month_param(to, "to")
    check_month_range(start, end)
    conditions = [
        sentences.c.measure == measure.value,
        # One-month figures only: a point is a month.
        sentences.c.period_start == sentences.c.period_end,
        sentences.c.rate_basis.in_(("total", "per_month")),
        records.c.rank != "deprecated",
        records.c.region_code == known_region(region, "region")
        if region is not None
        else records.c.region_code.is_(None),
    ]
    if start is not None:
        conditions.append(sentences.c.period_end >= start)
    if end is not None:
        conditions.append(sentences.c.period_start <= end)
    reader = RecordReader.of(session)
    items = reader.present(SENTENCE, SENTENCE.rows(session, *conditions))
    chosen = (
        tuple(sorted({int(a) for a in offence.split(",")}))
        if offence is not None
        else broadest_offence(items)
    )
    return {
        "measure": measure.value,
        "offence": list(chosen) if chosen else None,
        "region": region,
        "points": series_points(items, chosen, reader.graph) if chosen else [],
    }


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

add_record_routes(router, SENTENCE)
