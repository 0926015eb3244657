"""Keeping the search index in step with a load, in the same transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import search
from app.models import Article, Record, SearchDocument


def update_search_index(session: Session, records: set[str], articles: set[str]) -> None:
    """Re-index what changed; everything when the index has fallen out of step (e.g. a database
    seeded before the search migration existed)."""
    search.index_records(session, records)
    search.index_articles(session, articles)
    session.flush()
    indexed = session.scalar(select(func.count()).select_from(SearchDocument)) or 0
    stored = (session.scalar(select(func.count()).select_from(Record)) or 0) + (
        session.scalar(select(func.count()).select_from(Article)) or 0
    )
    if indexed != stored:
        search.index_records(session, session.scalars(select(Record.id)))
        search.index_articles(session, session.scalars(select(Article.id)))
        session.flush()
