"""/v1/risks: regional risk multipliers and regional rates."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.analysis import derive_multipliers, multiplier_metric
from app.csv_rows import record_table
from app.deps import ListOptions, SessionDep, list_options, region_query
from app.families import RISK
from app.lookups import unknown
from app.negotiation import OutputFormat
from app.queries import LIVE_RATES, records, risks
from app.records import RecordReader
from app.regions import known_region
from app.routes.family import add_list_route, add_record_routes
from app.routes.listing import add_list_operations, respond_items
from app.schemas.read import Page
from app.schemas.records import MultiplierRead
from app.vocab import TEXT_PATTERN

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
                max_length=60,
                pattern=TEXT_PATTERN,
                description="Only this multiplier metric, e.g. war_death_rate.",
                examples=["war_death_rate"],
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
        known = _multiplier_metrics(session, rates)
        if metric not in known:
            raise unknown(metric, "metric", "the metric of any multiplier", known)
        items = [item for item in items if item["metric"] == metric]
    items.sort(key=lambda item: (item["region"]["code"], item["derived"], item["id"]))
    return items


def _multiplier_metrics(session: Session, rates: list[dict[str, Any]]) -> set[str]:
    """Metrics of stated multipliers (one statement on the indexed column) and of those derived
    from the live ``rates``, whatever their reference region."""
    stated = select(risks.c.metric).where(risks.c.risk_type == "multiplier").distinct()
    derived = {multiplier_metric(rate["metric"]) for rate in rates}
    return set(session.scalars(stated)) | derived


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
