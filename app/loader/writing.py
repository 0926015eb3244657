"""Writing a checked seed: upsert by id with content hashes, a revision for every change (and
for what displays it), and the search index in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from app import search
from app.loader.reading import PlannedRecord, SeedSet, canonical_json, content_hash, dump_model
from app.models import (
    Article,
    ArticleCitation,
    Claim,
    Evidence,
    Organisation,
    Person,
    Record,
    RecordRelation,
    Region,
    Revision,
    RiskFigure,
    SearchDocument,
    SentenceStat,
    utcnow,
)
from app.regions import russian_regions
from app.schemas.inputs import (
    ArticleIn,
    ClaimIn,
    RelationIn,
    RiskIn,
    SentenceIn,
)


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def _published_at(value: datetime | date | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), tzinfo=UTC)


def _article_snapshot(article: ArticleIn) -> dict[str, Any]:
    return dump_model(article)


def _record_snapshot(planned: PlannedRecord) -> dict[str, Any]:
    snapshot = dump_model(planned.model)
    snapshot["kind"] = planned.kind
    snapshot["article"] = planned.article_id
    snapshot["verified"] = planned.verified  # so adding or dropping a snapshot re-writes evidence
    snapshot["relations"] = sorted((dump_model(r) for r in planned.relations), key=canonical_json)
    return snapshot


def _record_columns(planned: PlannedRecord) -> dict[str, Any]:
    model = planned.model
    columns: dict[str, Any] = {
        "statement": model.statement,
        "value": model.value,
        "value_low": model.value_low,
        "value_high": model.value_high,
        "value_qualifier": model.value_qualifier.value if model.value_qualifier else None,
        "unit": model.unit,
        "region_code": model.region,
        "rank": model.rank.value,
        "rank_reason": model.rank_reason,
        "uncertain": model.uncertain,
        "uncertainty_note": model.uncertainty_note,
        "derived": model.derived is not None,
        "derivation": model.derived.rule if model.derived else None,
    }
    if isinstance(model, SentenceIn):
        columns |= {
            "period_start": model.period.start,
            "period_end": model.period.end,
            "measure": model.measure.value,
            "rate_basis": model.rate_basis.value,
            "offences": model.offences,
            "criminal_code_articles": ",".join(
                str(a) for a in sorted(set(model.criminal_code_articles))
            ),
            "counted_by": model.counted_by,
        }
    elif isinstance(model, RiskIn):
        columns |= {
            "risk_type": model.risk_type.value,
            "metric": model.metric,
            "reference_region_code": model.reference_region,
            "reference_label": model.reference_label,
            "as_of": model.as_of,
            "as_of_precision": model.as_of_precision.value if model.as_of_precision else None,
        }
    elif isinstance(model, ClaimIn):
        columns |= {
            "claim_kind": model.claim_kind.value,
            "metric": model.metric,
            "speaker_id": model.speaker,
            "organisation_id": model.organisation,
            "period_start": model.period.start if model.period else None,
            "period_end": model.period.end if model.period else None,
        }
    return columns


RECORD_CLASSES: dict[str, type[Record]] = {
    "sentence": SentenceStat,
    "risk": RiskFigure,
    "claim": Claim,
}


def write_seed(session: Session, seed: SeedSet, reason: str = "seed") -> LoadReport:
    """Make the database say what ``seed`` says, recording a revision for every change.

    A change also shows on the records and articles that display the changed data (a
    record shows its article's citation, its relations' values, its speaker), so those get
    an ``update`` revision too: a client mirroring the change feed then stays exact.
    """
    report = LoadReport()
    _sync_regions(session)
    relations_before = _relation_pairs(session)
    citations_before = _citation_pairs(session)
    people_changed = _sync_people(session, seed)
    articles_changed, articles_removed = _sync_articles(session, seed, report, reason)
    session.flush()
    records_changed = _sync_records(session, seed, report, reason)
    for article_id in sorted(articles_removed):
        session.execute(delete(ArticleCitation).where(ArticleCitation.article_id == article_id))
        session.execute(delete(Article).where(Article.id == article_id))
    _remove_people(session, seed)
    session.flush()
    shown = _revise_dependents(
        session,
        seed,
        reason,
        records_changed,
        articles_changed | articles_removed,
        people_changed,
        relations_before | _relation_pairs(session),
        citations_before,
        _citation_pairs(session),
    )
    session.flush()
    _update_search_index(session, shown, articles_changed | articles_removed)
    return report


def _update_search_index(session: Session, records: set[str], articles: set[str]) -> None:
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


def _revise(
    session: Session,
    entity: str,
    entity_id: str,
    action: str,
    snapshot: dict[str, Any] | None,
    reason: str,
    at: datetime,
) -> None:
    """Append one entry to the revision log (never updated, never deleted)."""
    session.add(
        Revision(
            entity=entity,
            entity_id=entity_id,
            action=action,
            snapshot=snapshot,
            reason=reason,
            created_at=at,
        )
    )


def _relation_pairs(session: Session) -> set[tuple[str, str]]:
    rows = session.execute(select(RecordRelation.record_id, RecordRelation.other_record_id))
    return {(row.record_id, row.other_record_id) for row in rows}


def _citation_pairs(session: Session) -> set[tuple[str, str]]:
    rows = session.execute(select(ArticleCitation.article_id, ArticleCitation.cited_article_id))
    return {(row.article_id, row.cited_article_id) for row in rows}


def _citing_transitively(pairs: set[tuple[str, str]], articles: set[str]) -> set[str]:
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


def _partners(pairs: set[tuple[str, str]], changed: set[str]) -> set[str]:
    return {b for a, b in pairs if a in changed} | {a for a, b in pairs if b in changed}


def _revise_dependents(
    session: Session,
    seed: SeedSet,
    reason: str,
    records_changed: set[str],
    articles_changed: set[str],
    people_changed: set[str],
    relation_pairs: set[tuple[str, str]],
    citations_before: set[tuple[str, str]],
    citations_after: set[tuple[str, str]],
) -> set[str]:
    """An ``update`` revision for each record or article whose served form shows changed data.

    Returns the records whose own fields, quotes or speaker changed (to re-index)."""
    # Records whose own served form changed: edited ones, those quoting a changed article,
    # those whose speaker changed. Records related to any of them show their value and
    # citation, so they changed too.
    shown = set(records_changed)
    if articles_changed:
        cited_in = select(Evidence.record_id).where(Evidence.article_id.in_(articles_changed))
        shown |= set(session.scalars(cited_in))
    if people_changed:
        spoken = select(Claim.id).where(
            or_(Claim.speaker_id.in_(people_changed), Claim.organisation_id.in_(people_changed))
        )
        shown |= set(session.scalars(spoken))
    records = shown | _partners(relation_pairs, shown)
    # A changed citation link can move the roots of every article downstream of it, so the
    # independent_sources of records quoting them (or corroborated by them) can change too.
    downstream = _citing_transitively(
        citations_before | citations_after, {a for a, _ in citations_before ^ citations_after}
    )
    if downstream:
        quoting = set(
            session.scalars(select(Evidence.record_id).where(Evidence.article_id.in_(downstream)))
        )
        records |= quoting | _partners(relation_pairs, quoting)
    citation_pairs = citations_before | citations_after
    now = utcnow()
    dependents = sorted(r for r in records - records_changed if r in seed.records)
    if dependents:  # what they show changed, so their served form did too
        session.execute(update(Record).where(Record.id.in_(dependents)).values(updated_at=now))
    for record_id in dependents:
        if record_id in seed.records:
            _revise(
                session,
                "record",
                record_id,
                "update",
                _record_snapshot(seed.records[record_id]),
                f"{reason}: related data changed",
                now,
            )
    for article_id in sorted(_partners(citation_pairs, articles_changed) - articles_changed):
        snapshot = (
            _article_snapshot(seed.articles[article_id])
            if article_id in seed.articles
            else dump_model(seed.stubs[article_id]) | {"stub": True}
            if article_id in seed.stubs
            else None
        )
        if snapshot is not None:
            _revise(
                session,
                "article",
                article_id,
                "update",
                snapshot,
                f"{reason}: citing articles changed",
                now,
            )
    return shown


def _sync_regions(session: Session) -> None:
    existing = {region.code: region for region in session.scalars(select(Region))}
    for code, info in russian_regions().items():
        values = {
            "name": info.name,
            "name_en": info.name_en,
            "name_ru": info.name_ru,
            "type": info.type,
        }
        region = existing.get(code)
        if region is None:
            session.add(Region(code=code, **values))
        elif any(getattr(region, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(region, key, value)


def _sync_people(session: Session, seed: SeedSet) -> set[str]:
    """Upsert organisations and people; return the ids of those that changed."""
    changed: set[str] = set()
    organisations = {o.id: o for o in session.scalars(select(Organisation))}
    for org in seed.people.organisations:
        values = {"name": org.name, "aliases": org.aliases, "description": org.description}
        if _upsert(session, organisations.get(org.id), Organisation, org.id, values):
            changed.add(org.id)
    session.flush()
    people = {p.id: p for p in session.scalars(select(Person))}
    for person in seed.people.people:
        values = {
            "name": person.name,
            "aliases": person.aliases,
            "role": person.role,
            "organisation_id": person.organisation,
        }
        if _upsert(session, people.get(person.id), Person, person.id, values):
            changed.add(person.id)
    return changed


def _remove_people(session: Session, seed: SeedSet) -> None:
    """People and organisations no longer in people.yaml (after the claims naming them went)."""
    people = {person.id for person in seed.people.people}
    session.execute(delete(Person).where(Person.id.not_in(people)))
    organisations = {org.id for org in seed.people.organisations}
    session.execute(delete(Organisation).where(Organisation.id.not_in(organisations)))


def _upsert(session: Session, current: Any, cls: Any, key: str, values: dict[str, Any]) -> bool:
    if current is None:
        session.add(cls(id=key, **values))
        return True
    if any(getattr(current, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(current, name, value)
        return True
    return False


def _sync_articles(
    session: Session, seed: SeedSet, report: LoadReport, reason: str
) -> tuple[set[str], set[str]]:
    """Upsert articles and stubs; return (created or updated ids, ids to remove)."""
    existing = {a.id: a for a in session.scalars(select(Article))}
    wanted: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for article in seed.articles.values():
        wanted[article.id] = (
            _article_snapshot(article),
            {
                "url": str(article.url),
                "title": article.title,
                "publisher": article.publisher,
                "authors": article.authors,
                "published_at": _published_at(article.published),
                "published_precision": (
                    article.published_precision.value if article.published_precision else None
                ),
                "published_approximate": article.published_approximate,
                "language": article.language,
                "retrieved_at": article.retrieved_at,
                "archive_url": str(article.archive_url) if article.archive_url else None,
                "snapshot_sha256": article.snapshot.sha256 if article.snapshot else None,
                "is_stub": False,
                "notes": article.notes,
            },
        )
    for stub in seed.stubs.values():
        wanted[stub.article] = (
            dump_model(stub) | {"stub": True},
            {
                "url": str(stub.url) if stub.url else None,
                "title": stub.title,
                "publisher": stub.publisher,
                "authors": [],
                "published_at": _published_at(stub.published),
                "published_precision": stub.published_precision.value
                if stub.published_precision
                else None,
                "published_approximate": False,
                "language": None,
                "retrieved_at": None,
                "archive_url": None,
                "snapshot_sha256": None,
                "is_stub": True,
                "notes": stub.note,
            },
        )
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
        _revise(session, "article", article_id, action, snapshot, reason, now)
    session.flush()
    for article_id in changed:
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
    # Articles no longer in the seed go once no record points at them (records are synced later).
    for article_id in sorted(set(existing) - set(wanted)):
        _revise(
            session, "article", article_id, "delete", None, f"{reason}: removed from the seed", now
        )
        report.deleted += 1
    return set(changed), set(existing) - set(wanted)


def _sync_records(session: Session, seed: SeedSet, report: LoadReport, reason: str) -> set[str]:
    """Upsert and remove records; return the ids created, updated or removed."""
    existing = {
        r.id: r.content_hash for r in session.execute(select(Record.id, Record.content_hash))
    }
    kinds = {r.id: r.kind for r in session.execute(select(Record.id, Record.kind))}
    now = utcnow()
    # Removals first, so an id can move between families within one load.
    removed = sorted(set(existing) - set(seed.records))
    changed_kind = [rid for rid, p in seed.records.items() if rid in kinds and kinds[rid] != p.kind]
    for record_id in removed + changed_kind:
        session.execute(delete(Record).where(Record.id == record_id))
    for record_id in removed:
        _revise(
            session, "record", record_id, "delete", None, f"{reason}: removed from the seed", now
        )
        report.deleted += 1
    session.flush()

    changed: list[str] = []
    for record_id, planned in seed.records.items():
        snapshot = _record_snapshot(planned)
        digest = content_hash(snapshot)
        if existing.get(record_id) == digest and record_id not in changed_kind:
            report.unchanged += 1
            continue
        cls = RECORD_CLASSES[planned.kind]
        columns = _record_columns(planned)
        current = None if record_id in changed_kind else session.get(cls, record_id)
        if current is None:
            session.add(
                cls(id=record_id, content_hash=digest, created_at=now, updated_at=now, **columns)
            )
            action = "create" if record_id not in existing else "update"
        else:
            for name, value in columns.items():
                setattr(current, name, value)
            current.content_hash, current.updated_at = digest, now
            action = "update"
        if action == "create":
            report.created += 1
        else:
            report.updated += 1
        changed.append(record_id)
        _revise(session, "record", record_id, action, snapshot, reason, now)
    session.flush()
    for record_id in changed:
        planned = seed.records[record_id]
        session.execute(delete(Evidence).where(Evidence.record_id == record_id))
        session.execute(delete(RecordRelation).where(RecordRelation.record_id == record_id))
        for position, evidence in enumerate(planned.model.evidence):
            session.add(
                Evidence(
                    record_id=record_id,
                    article_id=planned.article_id,
                    quote=evidence.quote,
                    quote_en=evidence.quote_en,
                    prefix=evidence.prefix,
                    suffix=evidence.suffix,
                    verified=planned.verified,
                    position=position,
                )
            )
        relations = list(planned.relations)
        if planned.model.derived is not None:
            relations += [
                RelationIn.model_validate(
                    {"from": record_id, "relation": "derived_from", "to": source}
                )
                for source in planned.model.derived.from_
            ]
        for relation in relations:
            session.add(
                RecordRelation(
                    record_id=record_id,
                    other_record_id=relation.to,
                    relation=relation.relation.value,
                    note=relation.note,
                )
            )
    session.flush()
    return set(changed) | set(removed)
