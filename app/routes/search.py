"""/v1/search: full-text search over claims, quotes, statements and article titles."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app import search
from app.csv_rows import as_is
from app.deps import FormatDep, SessionDep
from app.errors import LIST_RESPONSES
from app.links import public
from app.routes.listing import respond_items
from app.schemas.read import Page, SearchHit

router = APIRouter(prefix="/search", tags=["search"])
SEARCH_CSV = as_is(SearchHit.model_fields)
PATHS = {"sentence": "sentences", "risk": "risks", "claim": "claims", "article": "articles"}


@router.get("", response_model=Page[SearchHit], responses=LIST_RESPONSES)
def search_everything(
    request: Request,
    session: SessionDep,
    output: FormatDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            examples=["Бурятия"],
            description="Words to find, in Russian or English (all must match; inflections too).",
        ),
    ],
    type: Annotated[
        list[Literal["sentence", "risk", "claim", "article"]] | None,
        Query(
            description="Only these types (repeatable): sentence, risk, claim, article.",
            examples=[["claim"]],
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=100, description="Best hits to return.", examples=[20])
    ] = 20,
) -> Response:
    """Best-ranked matches first, each with a snippet where matches are wrapped in <mark>."""
    hits = search.search(session, q, type, limit)
    data = [
        {
            "type": hit.kind,
            "id": hit.entity_id,
            "title": hit.title,
            "snippet": hit.snippet,
            "score": round(hit.score, 6),
            "url": str(public(request, f"/v1/{PATHS[hit.kind]}/{hit.entity_id}")),
        }
        for hit in hits
    ]
    return respond_items(data, output, "search", SEARCH_CSV)
