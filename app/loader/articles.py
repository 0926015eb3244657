"""Syncing articles and stubs: upsert by id when the content hash differs, with their citation
links; an article gone from the seed is removed only after the records quoting it are."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.loader.reading import SeedSet, content_hash
from app.loader.revisions import LoadReport, revise
from app.loader.stored import stored_articles
from app.models import Article, ArticleCitation, utcnow


def sync_articles(
    session: Session, seed: SeedSet, report: LoadReport, reason: str
) -> tuple[set[str], set[str]]:
    """Upsert articles and stubs; return (created or updated ids, ids to remove)."""
    existing = {a.id: a for a in session.scalars(select(Article))}
    wanted = stored_articles(seed)
    now = utcnow()
    changed: list[str] = []
    for article_id, (snapshot, columns) in wanted.items():
        digest = content_hash(snapshot)
        current = existing.get(article_id)
        if current is not None and current.content_hash == digest:
            report.unchanged += 1
            continue
        if current is None:
            session.add(
                Article(
                    id=article_id, content_hash=digest, created_at=now, updated_at=now, **columns
                )
            )
            report.created += 1
            action = "create"
        else:
            for name, value in columns.items():
                setattr(current, name, value)
            current.content_hash, current.updated_at = digest, now
            report.updated += 1
            action = "update"
        changed.append(article_id)
        revise(session, "article", article_id, action, snapshot, reason, now)
    session.flush()
    _write_citations(session, seed, changed)
    # Articles no longer in the seed go once no record points at them (records are synced later).
    removed = set(existing) - set(wanted)
    for article_id in sorted(removed):
        revise(
            session, "article", article_id, "delete", None, f"{reason}: removed from the seed", now
        )
        report.deleted += 1
    return set(changed), removed


def _write_citations(session: Session, seed: SeedSet, article_ids: list[str]) -> None:
    for article_id in article_ids:
        session.execute(delete(ArticleCitation).where(ArticleCitation.article_id == article_id))
        for position, cited in enumerate(seed.citations.get(article_id, [])):
            session.add(
                ArticleCitation(
                    article_id=article_id,
                    cited_article_id=cited.article,
                    relation=cited.relation.value,
                    note=cited.note,
                    position=position,
                )
            )


def remove_articles(session: Session, article_ids: set[str]) -> None:
    """Delete articles (and the links they make) once no record quotes them any more."""
    for article_id in sorted(article_ids):
        session.execute(delete(ArticleCitation).where(ArticleCitation.article_id == article_id))
        session.execute(delete(Article).where(Article.id == article_id))
