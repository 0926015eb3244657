"""/v1/sentences: court statistics (cases, sentences, convictions) by period."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app import present, queries
from app.analysis import series_points
from app.deps import (
    IncludeDeprecated,
    ListOptions,
    SessionDep,
    list_options,
    month_param,
    month_query,
    region_query,
)
from app.errors import LIST_ERRORS, LIST_RESPONSES, NOT_FOUND
from app.formats import flat_sentence
from app.routes.cite import add_record_cite_route
from app.routes.listing import (
    Listing,
    known_region,
    one_record,
    records_presenter,
    respond,
    with_sources,
)
from app.schemas.read import Page, SentenceRead, SeriesRead
from app.vocab import Measure

router = APIRouter(prefix="/sentences", tags=["sentences"])


@router.get("", response_model=Page[SentenceRead], responses=LIST_RESPONSES)
def list_sentences(
    request: Request,
    session: SessionDep,
    options: Annotated[ListOptions, list_options("sentences")],
    from_: Annotated[
        str | None,
        month_query(
            "Only records whose period ends in or after this month (YYYY-MM).", alias="from"
        ),
    ] = None,
    to: Annotated[
        str | None,
        month_query("Only records whose period starts in or before this month (YYYY-MM)."),
    ] = None,
    region: Annotated[
        str | None, region_query("ISO 3166-2 code of the region; national figures have no region.")
    ] = None,
    measure: Annotated[
        Measure | None,
        Query(
            description="What is counted: cases received, sentences, persons convicted, ...",
            examples=["sentences"],
        ),
    ] = None,
    include_deprecated: IncludeDeprecated = False,
) -> Response:
    """Court statistics, earliest period first; each with its sources and a citation."""
    filters = queries.SentenceFilters(
        from_month=month_param(from_, "from"),
        to_month=month_param(to, "to"),
        region=known_region(session, region, "region"),
        measure=measure.value if measure else None,
        include_deprecated=include_deprecated,
    )
    listing = Listing(
        "sentences",
        queries.sentences_select(filters),
        queries.SENTENCE_ORDER,
        ["period_start", "id"],
        records_presenter(present.sentence),
        flat_sentence,
    )
    return respond(request, session, options, listing)


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
    articles = None
    if offence is not None:
        articles = ",".join(str(a) for a in sorted({int(a) for a in offence.split(",")}))
    filters = queries.SentenceFilters(
        measure=measure.value,
        from_month=month_param(from_, "from"),
        to_month=month_param(to, "to"),
        region=known_region(session, region, "region"),
        national_only=region is None,
        monthly_points=True,
        articles_exactly=articles,
    )
    records = with_sources(session, queries.list_sentences(session, filters), present.sentence)
    return present.json_response(
        {
            "measure": measure.value,
            "offence": [int(a) for a in articles.split(",")] if articles else None,
            "region": region,
            "points": series_points(records),
        }
    )


@router.get("/{sentence_id}", response_model=SentenceRead, responses=NOT_FOUND)
def get_sentence(
    sentence_id: Annotated[
        str, Path(description="Stable id.", examples=["mediazona-2024-03-sentences-337"])
    ],
    session: SessionDep,
) -> Response:
    """One court statistic with its sources, deprecated or not."""
    rows = queries.list_sentences(session, queries.SentenceFilters(ids=[sentence_id]))
    return one_record(session, rows, present.sentence, "sentence", sentence_id)


add_record_cite_route(router, "sentence")
