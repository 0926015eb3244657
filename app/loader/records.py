"""Syncing records: upsert by id when the content hash differs (an id may move between families
within one load), then rewrite the evidence and relations of each changed record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.loader.reading import PlannedRecord, SeedSet, content_hash
from app.loader.revisions import LoadReport, revise
from app.loader.stored import RECORD_CLASSES, record_columns, record_snapshot
from app.models import Evidence, Record, RecordRelation, utcnow
from app.schemas.inputs import RelationIn


def sync_records(session: Session, seed: SeedSet, report: LoadReport, reason: str) -> set[str]:
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
        revise(
            session, "record", record_id, "delete", None, f"{reason}: removed from the seed", now
        )
        report.deleted += 1
    session.flush()

    changed: list[str] = []
    for record_id, planned in seed.records.items():
        snapshot = record_snapshot(planned)
        digest = content_hash(snapshot)
        if existing.get(record_id) == digest and record_id not in changed_kind:
            report.unchanged += 1
            continue
        current = (
            None
            if record_id in changed_kind
            else session.get(RECORD_CLASSES[planned.kind], record_id)
        )
        _write_row(session, planned, current, digest, now)
        # An id that moved family is a new row but the same record: an update.
        action = "update" if record_id in existing else "create"
        if action == "create":
            report.created += 1
        else:
            report.updated += 1
        changed.append(record_id)
        revise(session, "record", record_id, action, snapshot, reason, now)
    session.flush()
    for record_id in changed:
        _write_evidence_and_relations(session, record_id, seed.records[record_id])
    session.flush()
    return set(changed) | set(removed)


def _write_row(
    session: Session, planned: PlannedRecord, current: Record | None, digest: str, now: datetime
) -> None:
    """Add the record's row, or bring ``current`` up to date."""
    columns = record_columns(planned)
    if current is None:
        cls = RECORD_CLASSES[planned.kind]
        session.add(
            cls(id=planned.model.id, content_hash=digest, created_at=now, updated_at=now, **columns)
        )
        return
    for name, value in columns.items():
        setattr(current, name, value)
    current.content_hash, current.updated_at = digest, now


def _write_evidence_and_relations(session: Session, record_id: str, planned: PlannedRecord) -> None:
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
            RelationIn.model_validate({"from": record_id, "relation": "derived_from", "to": source})
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
