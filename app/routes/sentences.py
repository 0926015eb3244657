"""/v1/sentences: court statistics (cases, sentences, convictions) by period."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app import present
from app.analysis import series_points
from app.deps import SessionDep, month_param, month_query, region_query
from app.errors import LIST_ERRORS
from app.families import SENTENCE
from app.families.record import check_month_range
from app.queries import records, sentences
from app.records import RecordReader
from app.regions import known_region
from app.routes.family import add_list_route, add_record_routes
from app.schemas.read import SeriesRead
from app.vocab import Measure

router = APIRouter(prefix="/sentences", tags=["sentences"])
add_list_route(router, SENTENCE)

OFFENCE_PATTERN = r"^\d{3}(,\d{3})*$"


@router.get("/series", response_model=SeriesRead, responses=LIST_ERRORS)
def get_series(
    session: SessionDep,
    measure: Annotated[
        Measure, Query(description="The one measure the series counts.", examples=["sentences"])
    ],
    offence: Annotated[
        str | None,
        Query(
            pattern=OFFENCE_PATTERN,
            examples=["337"],
            description="Criminal Code articles the figures cover, exactly: 337, or 332,337,338.",
        ),
    ] = None,
    from_: Annotated[str | None, month_query("First month (YYYY-MM).", alias="from")] = None,
    to: Annotated[str | None, month_query("Last month (YYYY-MM).")] = None,
    region: Annotated[
        str | None, region_query("A region's series; without it, national figures only.")
    ] = None,
) -> Response:
    """Chart-ready monthly series of one measure: one point per month a source covers.

    Months no source covers are absent (not zero). Preferred records win over normal ones;
    where records of the same rank disagree for a month, each is returned, flagged ``conflict``.
    """
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
    articles = None
    if offence is not None:
        articles = ",".join(str(a) for a in sorted({int(a) for a in offence.split(",")}))
        conditions.append(sentences.c.criminal_code_articles == articles)
    rows = SENTENCE.rows(session, *conditions)
    return present.json_response(
        {
            "measure": measure.value,
            "offence": [int(a) for a in articles.split(",")] if articles else None,
            "region": region,
            "points": series_points(RecordReader.of(session).present(SENTENCE, rows)),
        }
    )


add_record_routes(router, SENTENCE)
