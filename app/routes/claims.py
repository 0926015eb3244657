"""/v1/claims: sourced statements, with their speaker where there is one."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app import present, queries
from app.deps import IncludeDeprecated, ListOptions, SessionDep, list_options
from app.errors import LIST_RESPONSES, NOT_FOUND
from app.formats import flat_claim
from app.routes.cite import add_record_cite_route
from app.routes.listing import Listing, one_record, records_presenter, respond
from app.schemas.read import ClaimRead, Page
from app.vocab import ClaimKind

router = APIRouter(prefix="/claims", tags=["claims"])


@router.get("", response_model=Page[ClaimRead], responses=LIST_RESPONSES)
def list_claims(
    request: Request,
    session: SessionDep,
    options: Annotated[ListOptions, list_options("claims")],
    speaker: Annotated[
        str | None,
        Query(
            max_length=120,
            description="Id of the person who made the claim.",
            examples=["grigory-sverdlin"],
        ),
    ] = None,
    kind: Annotated[
        ClaimKind | None,
        Query(description="statistic, quote, event or assessment.", examples=["statistic"]),
    ] = None,
    article: Annotated[
        str | None,
        Query(
            max_length=120,
            description="Id of an article: only claims it supports.",
            examples=["dagens-2024-10-02-russian-soldiers-flee-to-the-forest"],
        ),
    ] = None,
    include_deprecated: IncludeDeprecated = False,
) -> Response:
    """Claims, by id; each with its speaker, sources and a citation."""
    filters = queries.ClaimFilters(
        speaker=speaker,
        kind=kind.value if kind else None,
        article=article,
        include_deprecated=include_deprecated,
    )
    listing = Listing(
        "claims",
        queries.claims_select(filters),
        [queries.claims.c.id],
        ["id"],
        records_presenter(present.claim),
        flat_claim,
    )
    return respond(request, session, options, listing)


@router.get("/{claim_id}", response_model=ClaimRead, responses=NOT_FOUND)
def get_claim(
    claim_id: Annotated[
        str, Path(description="Stable id.", examples=["dagens-sverdlin-share-staying-in-russia"])
    ],
    session: SessionDep,
) -> Response:
    """One claim with its sources, deprecated or not."""
    rows = queries.list_claims(session, queries.ClaimFilters(ids=[claim_id]))
    return one_record(session, rows, present.claim, "claim", claim_id)


add_record_cite_route(router, "claim")
