"""/v1/sentences: court statistics (cases, sentences, convictions) by period."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app import present, queries
from app.deps import IncludeDeprecated, PageDep, SessionDep, month_param, month_query, region_query
from app.errors import LIST_ERRORS, NOT_FOUND
from app.routes.listing import known_region, one_record, record_page
from app.schemas.read import Page, SentenceRead
from app.vocab import Measure

router = APIRouter(prefix="/sentences", tags=["sentences"])


@router.get("", response_model=Page[SentenceRead], responses=LIST_ERRORS)
def list_sentences(
    request: Request,
    session: SessionDep,
    page: PageDep,
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
        Query(description="What is counted: cases received, sentences, persons convicted, ..."),
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
    rows = queries.list_sentences(session, filters, page)
    return record_page(request, session, rows, page, ["period_start", "id"], present.sentence)


@router.get("/{sentence_id}", response_model=SentenceRead, responses=NOT_FOUND)
def get_sentence(sentence_id: str, session: SessionDep) -> Response:
    """One court statistic with its sources, deprecated or not."""
    rows = queries.list_sentences(session, queries.SentenceFilters(ids=[sentence_id]))
    return one_record(session, rows, present.sentence, "sentence", sentence_id)
