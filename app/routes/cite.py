"""``GET .../{id}/cite?style=text|bibtex|csl-json|ris`` for every record family and articles."""

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.orm import Session

from app import queries
from app.citations import render
from app.deps import SessionDep
from app.errors import NOT_FOUND, NotFound, quoted
from app.families import FAMILIES
from app.figures import cited_article
from app.records import RecordReader


class CitationStyle(StrEnum):
    text = "text"
    bibtex = "bibtex"
    csl_json = "csl-json"
    ris = "ris"


CITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The citation in the requested style.",
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/x-bibtex": {"schema": {"type": "string"}},
            "application/vnd.citationstyles.csl+json": {"schema": {"type": "array"}},
            "application/x-research-info-systems": {"schema": {"type": "string"}},
        },
    },
    **NOT_FOUND,
}
StyleQuery = Annotated[
    CitationStyle, Query(description="text, bibtex, csl-json or ris.", examples=["bibtex"])
]


def cite_response(article: Any, style: CitationStyle, note: str | None) -> Response:
    body, media_type = render(style.value, article, note)
    content = orjson.dumps(body) if isinstance(body, list) else body.encode()
    return Response(
        content,
        media_type=media_type,
        headers={"Link": f'<{article.url}>; rel="cite-as"'} if article.url else None,
    )


def record_article(session: Session, record_id: str, kind: str) -> tuple[Any, str]:
    """The article a record's citation names and the note beside it: a stored record's first
    source and its quote; a computed one's (a derived multiplier) first input's source and how
    it was derived."""
    if queries.record_exists(session, record_id, kind):
        source_of, note = record_id, None
    else:
        computed = RecordReader.of(session).computed(FAMILIES[kind], record_id)
        if computed is None:
            raise NotFound(f"{kind} {quoted(record_id)} does not exist")
        source_of, note = computed["derived_from"][0]["id"], f"Derived: {computed['derivation']}"
    first = queries.sources_for(session, [source_of])[source_of][0]
    article = cited_article(first)
    return article, note or f"Quoted: \u201c{first.quote}\u201d"


def add_record_cite_route(router: APIRouter, kind: str, example_id: str) -> None:
    def cite(
        record_id: Annotated[str, Path(description="Stable id.", examples=[example_id])],
        session: SessionDep,
        style: StyleQuery = CitationStyle.text,
    ) -> Response:
        article, note = record_article(session, record_id, kind)
        return cite_response(article, style, note)

    cite.__doc__ = (
        f"Citation of the article that states this {kind}, with the quote as a note (for a "
        "derived figure: its inputs' article, with the derivation)."
    )
    router.add_api_route(
        "/{record_id}/cite",
        cite,
        methods=["GET"],
        name=f"cite_{kind}",
        responses=CITE_RESPONSES,
        response_class=Response,
    )


def add_article_cite_route(router: APIRouter, lookup: Callable[[Session, str], Any]) -> None:
    def cite(
        article_id: Annotated[
            str,
            Path(
                description="Stable id.",
                examples=["dagens-2024-10-02-russian-soldiers-flee-to-the-forest"],
            ),
        ],
        session: SessionDep,
        style: StyleQuery = CitationStyle.text,
    ) -> Response:
        return cite_response(lookup(session, article_id), style, None)

    cite.__doc__ = "Citation of this article."
    router.add_api_route(
        "/{article_id}/cite",
        cite,
        methods=["GET"],
        name="cite_article",
        responses=CITE_RESPONSES,
        response_class=Response,
    )
