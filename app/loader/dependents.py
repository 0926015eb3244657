"""Revisions for what displays changed data. A record shows its article's citation, its
relations' values and its speaker; an article shows the articles citing it. So when any of those
change, the record or article gets an ``update`` revision too, and a client mirroring the change
feed stays exact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.loader.bulk import chunks
from app.loader.reading import SeedSet
from app.loader.revisions import revise
from app.loader.stored import article_snapshot, record_snapshot
from app.models import ArticleCitation, Claim, Evidence, Record, RecordRelation, utcnow

Pairs = set[tuple[str, str]]


@dataclass(frozen=True)
class Changes:
    """What one load changed that others display."""

    records: set[str]  # created, updated or removed
    articles: set[str]  # created, updated or removed
    people: set[str]  # people and organisations created or updated
    relations: Pairs  # (record, other record): every relation before or after the load
    citations_before: Pairs  # (article, cited article)
    citations_after: Pairs


def relation_pairs(session: Session) -> Pairs:
    rows = session.execute(select(RecordRelation.record_id, RecordRelation.other_record_id))
    return {(row.record_id, row.other_record_id) for row in rows}


def citation_pairs(session: Session) -> Pairs:
    rows = session.execute(select(ArticleCitation.article_id, ArticleCitation.cited_article_id))
    return {(row.article_id, row.cited_article_id) for row in rows}


def _citing_transitively(pairs: Pairs, articles: set[str]) -> set[str]:
    """``articles`` and every article that cites or relays one of them, directly or not."""
    citing: dict[str, set[str]] = {}
    for article_id, cited_id in pairs:
        citing.setdefault(cited_id, set()).add(article_id)
    found, stack = set(articles), list(articles)
    while stack:
        for article_id in citing.get(stack.pop(), set()) - found:
            found.add(article_id)
            stack.append(article_id)
    return found


def _partners(pairs: Pairs, changed: set[str]) -> set[str]:
    return {b for a, b in pairs if a in changed} | {a for a, b in pairs if b in changed}


def revise_dependents(session: Session, seed: SeedSet, reason: str, changes: Changes) -> set[str]:
    """An ``update`` revision for each record or article whose served form shows changed data.

    Returns the records whose own fields, quotes or speaker changed (to re-index)."""
    shown = _records_showing_changes(session, changes)
    records = shown | _partners(changes.relations, shown) | _downstream_records(session, changes)
    now = utcnow()
    _revise_records(session, seed, sorted(records - changes.records), reason, now)
    citations = changes.citations_before | changes.citations_after
    for article_id in sorted(_partners(citations, changes.articles) - changes.articles):
        snapshot = article_snapshot(seed, article_id)
        if snapshot is not None:
            revise(
                session,
                "article",
                article_id,
                "update",
                snapshot,
                f"{reason}: citing articles changed",
                now,
            )
    return shown


def _records_showing_changes(session: Session, changes: Changes) -> set[str]:
    """Records whose own served form changed: edited ones, those quoting a changed article,
    those whose speaker changed."""
    shown = set(changes.records)
    for articles in chunks(changes.articles):
        cited_in = select(Evidence.record_id).where(Evidence.article_id.in_(articles))
        shown |= set(session.scalars(cited_in))
    for people in chunks(changes.people):
        spoken = select(Claim.id).where(
            or_(Claim.speaker_id.in_(people), Claim.organisation_id.in_(people))
        )
        shown |= set(session.scalars(spoken))
    return shown


def _downstream_records(session: Session, changes: Changes) -> set[str]:
    """A changed citation link can move the roots of every article downstream of it, so the
    independent_sources of records quoting them (or corroborated by them) can change too."""
    before, after = changes.citations_before, changes.citations_after
    downstream = _citing_transitively(before | after, {a for a, _ in before ^ after})
    if not downstream:
        return set()
    quoting: set[str] = set()
    for articles in chunks(downstream):
        quoted = select(Evidence.record_id).where(Evidence.article_id.in_(articles))
        quoting |= set(session.scalars(quoted))
    return quoting | _partners(changes.relations, quoting)


def _revise_records(
    session: Session, seed: SeedSet, record_ids: list[str], reason: str, now: datetime
) -> None:
    """What these records show changed, so their served form did too."""
    dependents = [r for r in record_ids if r in seed.records]
    if not dependents:
        return
    for ids in chunks(dependents):
        session.execute(update(Record).where(Record.id.in_(ids)).values(updated_at=now))
    for record_id in dependents:
        snapshot = record_snapshot(seed.records[record_id])
        revise(
            session, "record", record_id, "update", snapshot, f"{reason}: related data changed", now
        )
