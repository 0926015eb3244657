"""/v1/articles: the articles every figure comes from, and the chain of what they cite."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import Row
from sqlalchemy.orm import Session

from app import present, queries
from app.deps import ListOptions, SessionDep, list_options
from app.errors import LIST_RESPONSES, NOT_FOUND, NotFound, quoted
from app.formats import flat_article
from app.routes.cite import add_article_cite_route
from app.routes.listing import Listing, respond, with_sources
from app.schemas.read import ArticleDetail, ArticleRead, Page

router = APIRouter(prefix="/articles", tags=["articles"])


@router.get("", response_model=Page[ArticleRead], responses=LIST_RESPONSES)
def list_articles(
    request: Request, session: SessionDep, options: Annotated[ListOptions, list_options("articles")]
) -> Response:
    """Articles by id, including stubs known only by name (``is_stub``)."""
    listing = Listing(
        "articles",
        queries.articles_select(),
        [queries.articles.c.id],
        ["id"],
        present_articles,
        flat_article,
    )
    return respond(request, session, options, listing)


def present_articles(session: Session, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    citations = queries.citations_for(session, [row.id for row in rows])
    return [present.article(row, citations) for row in rows]


def records_supported_by(session: Session, **filters: Any) -> dict[str, list[dict[str, Any]]]:
    """Every record (deprecated included) matching ``filters``, grouped by family."""
    return {
        "sentences": with_sources(
            session,
            queries.list_sentences(
                session, queries.SentenceFilters(include_deprecated=True, **filters)
            ),
            present.sentence,
        ),
        "risks": with_sources(
            session,
            queries.list_risks(session, queries.RiskFilters(include_deprecated=True, **filters)),
            present.risk,
        ),
        "claims": with_sources(
            session,
            queries.list_claims(session, queries.ClaimFilters(include_deprecated=True, **filters)),
            present.claim,
        ),
    }


def article_or_404(session: Session, article_id: str) -> Any:
    rows = queries.list_articles(session, ids=[article_id])
    if not rows:
        raise NotFound(f"article {quoted(article_id)} does not exist")
    return rows[0]


@router.get("/{article_id}", response_model=ArticleDetail, responses=NOT_FOUND)
def get_article(
    article_id: Annotated[
        str,
        Path(
            description="Stable id.",
            examples=["dagens-2024-10-02-russian-soldiers-flee-to-the-forest"],
        ),
    ],
    session: SessionDep,
) -> Response:
    """One article with the articles it cites and every record it supports."""
    row = article_or_404(session, article_id)
    citations = queries.citations_for(session, [article_id])
    body = present.article(row, citations)
    body["records"] = records_supported_by(session, article=article_id)
    headers = {"Link": f'<{row.url}>; rel="cite-as"'} if row.url else None
    return present.json_response(body, headers)


add_article_cite_route(router, article_or_404)
