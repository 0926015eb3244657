"""/v1/search: full-text search over claims, quotes, statements and article titles."""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Row

from app import queries, search
from app.csv_rows import as_is
from app.deps import ListOptions, SessionDep, list_options
from app.links import public
from app.negotiation import OutputFormat
from app.present import period_label
from app.routes.listing import add_list_operations, respond_items
from app.schemas.read import Page, SearchHit
from app.vocab import TEXT_PATTERN, whole

router = APIRouter(prefix="/search", tags=["search"])
SEARCH_CSV = as_is(SearchHit.model_fields)
PATHS = {"sentence": "sentences", "risk": "risks", "claim": "claims", "article": "articles"}
HitType = Literal["sentence", "risk", "claim", "article"]


def _search(output: OutputFormat) -> Callable[..., Response]:
    def search_everything(
        request: Request,
        session: SessionDep,
        options: Annotated[ListOptions, list_options(output)],
        q: Annotated[
            str,
            Query(
                min_length=1,
                max_length=200,
                pattern=TEXT_PATTERN,
                examples=["Бурятия"],
                description="Words to find, in Russian or English (all must match; inflections "
                "too).",
            ),
        ],
        type: Annotated[
            list[HitType] | None,
            Query(
                description="Only these types (repeatable): sentence, risk, claim, article.",
                examples=[["claim"]],
            ),
        ] = None,
        limit: Annotated[
            int, Query(ge=1, le=100, description="Best hits to return.", examples=[20])
        ] = 20,
        include_deprecated: Annotated[
            bool,
            Query(
                description="Also find deprecated records (misprints, superseded figures); "
                "they rank after every other hit.",
                examples=[True],
            ),
        ] = False,
    ) -> Response:
        hits = search.search(session, q, type, limit, include_deprecated)
        facts = queries.record_facts(session, [h.entity_id for h in hits if h.kind != "article"])
        data = [
            {
                "type": hit.kind,
                "id": hit.entity_id,
                "title": hit.title,
                "snippet": hit.snippet,
                "score": round(hit.score, 6),
                "url": str(public(request, f"/v1/{PATHS[hit.kind]}/{hit.entity_id}")),
            }
            | _facts(facts.get(hit.entity_id) if hit.kind != "article" else None)
            for hit in hits
        ]
        return respond_items(data, options, "search", SEARCH_CSV)

    return search_everything


def _facts(row: Row[Any] | None) -> dict[str, Any]:
    """A record hit's figure, unit, period in words and rank (all null for an article)."""
    if row is None:
        return {"value": None, "unit": None, "period_label": None, "rank": None}
    return {
        "value": whole(row.value, row.unit),
        "unit": row.unit,
        "period_label": period_label(
            row.start,
            row.end,
            row.precision,
            start_assumed=bool(row.start_assumed),
            end_assumed=bool(row.end_assumed),
        ),
        "rank": row.rank,
    }


add_list_operations(
    router,
    "search_everything",
    _search,
    "Preferred records first, then normal records and articles, then (only with "
    "`include_deprecated=true`) deprecated ones; within a rank, the most relevant first. Each hit "
    "has a snippet where matches are wrapped in <mark>, and a record's value, unit, period and "
    "rank.",
    Page[SearchHit],
)
