"""/v1/risks: regional risk multipliers and regional rates."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from app.analysis import derive_multipliers
from app.csv_rows import record_table
from app.deps import ListOptions, SessionDep, list_options, region_query
from app.families import RISK
from app.lookups import in_vocabulary
from app.negotiation import OutputFormat
from app.queries import LIVE_RATES, records, risks
from app.records import RecordReader
from app.regions import known_region
from app.routes.family import add_list_route, add_record_routes
from app.routes.listing import add_list_operations, respond_items
from app.schemas.read import Page
from app.schemas.records import MultiplierRead
from app.vocab import Metric

router = APIRouter(prefix="/risks", tags=["risks"])
add_list_route(router, RISK)

MULTIPLIERS_CSV = record_table(RISK, extra=("formula",))


def _multipliers(output: OutputFormat) -> Callable[..., Response]:
    def list_multipliers(
        session: SessionDep,
        options: Annotated[ListOptions, list_options(output)],
        reference: Annotated[
            str, region_query("ISO 3166-2 code of the reference region (RU-MOW for Moscow).")
        ],
        region: Annotated[str | None, region_query("Only multipliers for this region.")] = None,
        metric: Annotated[
            str | None,
            Query(
                description="Only this multiplier metric (the metric vocabulary), e.g. "
                "war_death_rate.",
                examples=["war_death_rate"],
                json_schema_extra={"enum": [metric.value for metric in Metric]},
            ),
        ] = None,
    ) -> Response:
        items = multipliers(session, known_region(reference, "reference"), region, metric)
        return respond_items(items, options, "multipliers", MULTIPLIERS_CSV)

    return list_multipliers


def multipliers(
    session: Session, reference: str, region: str | None, metric: str | None
) -> list[dict[str, Any]]:
    """Stated multipliers against ``reference`` beside those derived from regional rates."""
    stated_where = [
        risks.c.risk_type == "multiplier",
        risks.c.reference_region_code == reference,
        records.c.rank != "deprecated",
    ]
    if region is not None:
        stated_where.append(records.c.region_code == known_region(region, "region"))
    stated, rates = RecordReader.of(session).present_groups(
        [(RISK, RISK.rows(session, *stated_where)), (RISK, RISK.rows(session, *LIVE_RATES))]
    )
    items = [s | {"formula": None, "inputs": []} for s in stated]
    items += derive_multipliers(rates, reference, region)
    if metric is not None:
        in_vocabulary(Metric, "a metric of the vocabulary")(session, metric, "metric")
        items = [item for item in items if item["metric"] == metric]
    items.sort(key=lambda item: (item["region"]["code"], item["derived"], item["id"]))
    return items


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

add_record_routes(router, RISK)
