"""Writing a checked seed: upsert by id with content hashes, a revision for every change (and
for what displays it), and the search index and the facet counts in the same transaction.

Each step lives in a module of its own: ``reference`` (regions, people), ``articles``,
``records``, ``dependents`` (revisions for what shows changed data) and ``indexing``; this one
runs them in the order the foreign keys need."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import rollup
from app.loader.articles import remove_articles, sync_articles
from app.loader.dependents import Changes, citation_pairs, relation_pairs, revise_dependents
from app.loader.indexing import update_search_index
from app.loader.reading import SeedSet
from app.loader.records import sync_records
from app.loader.reference import remove_people, sync_people, sync_regions
from app.loader.revisions import LoadReport

__all__ = ["LoadReport", "write_seed"]


def write_seed(session: Session, seed: SeedSet, reason: str = "seed") -> LoadReport:
    """Make the database say what ``seed`` says, recording a revision for every change.

    A change also shows on the records and articles that display the changed data, so those
    get an ``update`` revision too (see ``dependents``)."""
    report = LoadReport()
    sync_regions(session)
    relations_before = relation_pairs(session)
    citations_before = citation_pairs(session)
    people_changed = sync_people(session, seed)
    articles_changed, articles_removed = sync_articles(session, seed, report, reason)
    session.flush()
    records_changed = sync_records(session, seed, report, reason)
    remove_articles(session, articles_removed)
    remove_people(session, seed)
    session.flush()
    changes = Changes(
        records=records_changed,
        articles=articles_changed | articles_removed,
        people=people_changed,
        relations=relations_before | relation_pairs(session),
        citations_before=citations_before,
        citations_after=citation_pairs(session),
    )
    shown = revise_dependents(session, seed, reason, changes)
    session.flush()
    update_search_index(session, shown, changes.articles)
    rollup.rebuild(session)  # the facet counts, from the records as they now are
    return report
