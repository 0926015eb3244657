"""/v1/articles: the articles every figure comes from, and the chain of what they cite."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import present, queries
from app.csv_rows import ARTICLES
from app.deps import SessionDep
from app.errors import NOT_FOUND, NotFound, quoted
from app.families import FAMILIES
from app.links import public
from app.records import RecordReader, present_articles
from app.routes.cite import add_article_cite_route
from app.routes.listing import Listing, add_listing
from app.schemas.read import ArticleRead, Page
from app.schemas.records import ArticleDetail

router = APIRouter(prefix="/articles", tags=["articles"])


add_listing(
    router,
    "list_articles",
    Listing(
        "articles",
        queries.articles_select(),
        [queries.articles.c.id],
        present_articles,
        ARTICLES,
        queries.ARTICLE_FACETS,
    ),
    "Articles by id, including stubs known only by name (`is_stub`).",
    Page[ArticleRead],
    cursor_example="dagens-2024-10-02-russian-soldiers-flee-to-the-forest",
)


def article_or_404(session: Session, article_id: str) -> Any:
    rows = session.execute(queries.articles_select([article_id])).all()
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
    request: Request,
    session: SessionDep,
) -> Response:
    """One article with the articles it cites and the records it supports: the first of each
    family, and a link to the full list when there are more."""
    row = article_or_404(session, article_id)
    citations = queries.citations_for(session, [article_id])
    body = present.article(row, citations)
    supported = queries.records.c.id.in_(
        select(queries.evidence.c.record_id).where(queries.evidence.c.article_id == article_id)
    )
    lists = {
        family.path: str(
            public(request, f"/v1/{family.path}").include_query_params(
                article=article_id, include_deprecated="true"
            )
        )
        for family in FAMILIES.values()
    }
    body["records"], body["more_records"] = RecordReader.of(session).embedded(
        {kind: [supported] for kind in FAMILIES}, lists
    )
    headers = {"Link": f'<{row.url}>; rel="cite-as"'} if row.url else None
    return present.json_response(body, headers)


add_article_cite_route(router, article_or_404)
