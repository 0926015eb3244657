"""/explore: the figures for a reader who would rather look than read JSON.

One server-rendered page (``templates/explore.html``): the monthly series as a chart with its
points and their sources, stated vs derived multipliers, the disputes and the claims, each with
its citation and the JSON and CSV behind it. The data comes from the functions the API routes
call (``app.figures``), the charts from the renderer of the SVG endpoints (``app.charts``). The
measure and offence selectors are a GET form, so the page works without script and its URL
can be shared; ``/static/explore.js`` only opens a point's details and copies citations."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from app.charts import ChartSize, multipliers_svg, series_svg
from app.deps import SessionDep
from app.figures import (
    MultiplierQuery,
    SeriesQuery,
    bibtex_of,
    disputes,
    live_claims,
    monthly_records,
    multipliers,
    offence_sets,
    series,
)
from app.links import root_path
from app.rendering import render
from app.vocab import Measure

router = APIRouter(include_in_schema=False)
STATIC_URL = "/static"  # explore.js and explore.css, from app/static


def static_files() -> StaticFiles:
    return StaticFiles(packages=[("app", "static")])


REFERENCE = "RU-MOW"  # the multipliers' reference region: Moscow, as the sources compare
# Each chart is drawn twice, for a wide and a narrow screen (CSS shows one): scaled down to a
# phone, a chart drawn for a desktop would have unreadable text.
SIZES = {"wide": ChartSize(720, 360), "narrow": ChartSize(360, 320)}


def series_charts(shown: dict[str, Any]) -> dict[str, str]:
    return {
        name: series_svg(
            shown,
            size,
            lambda point: f"#p-{point['record_id']}",
            key=f"series-{name}",
            standalone=False,
        )
        for name, size in SIZES.items()
    }


def multiplier_charts(items: list[dict[str, Any]]) -> dict[str, str]:
    return {
        name: multipliers_svg(
            items,
            ChartSize(size.width, 150 + 34 * len(items)),  # as tall as its bars need
            lambda item: f"#m-{item['id']}",
            key=f"multipliers-{name}",
            standalone=False,
        )
        for name, size in SIZES.items()
    }


@router.get("/explore", response_class=HTMLResponse)
def explore(
    request: Request,
    session: SessionDep,
    measure: Measure = Measure.sentences,
    # Empty is the form's "broadest set" choice: a select always sends a value.
    offence: Annotated[str | None, Query(pattern=r"^(\d{3}(,\d{3})*)?$")] = None,
) -> HTMLResponse:
    """The explorer page for one measure and offence set (the broadest by default)."""
    query = SeriesQuery(measure, offence or None)
    items = monthly_records(session, query)
    shown = series(session, query, items)
    ratios = multipliers(session, MultiplierQuery(REFERENCE))
    conflicts = disputes(session)
    claims = live_claims(session)
    figures: list[dict[str, Any]] = [*items, *ratios, *claims]
    figures += [side for dispute in conflicts for side in dispute["records"]]
    return HTMLResponse(
        render(
            "explore.html",
            root=root_path(request),
            measures=list(Measure),
            query=query,
            offence_sets=offence_sets(items),
            series=shown,
            series_charts=series_charts(shown),
            multipliers=ratios,
            multiplier_charts=multiplier_charts(ratios),
            reference=REFERENCE,
            disputes=conflicts,
            claims=claims,
            bibtex=bibtex_of(session, figures),
        )
    )
