"""What records point at besides articles: regions (from the bundled list) and the people and
organisations of people.yaml. These carry no revisions of their own; a change to a person shows
as an ``update`` of the claims naming them (see ``dependents``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.loader.reading import SeedSet
from app.models import Organisation, Person, Region
from app.regions import russian_regions


def upsert(session: Session, current: Any, cls: Any, values: dict[str, Any]) -> bool:
    """Add a row of ``values`` (its key included), or bring ``current`` up to them; True if
    anything changed."""
    if current is None:
        session.add(cls(**values))
        return True
    changed = {name: value for name, value in values.items() if getattr(current, name) != value}
    for name, value in changed.items():
        setattr(current, name, value)
    return bool(changed)


def sync_regions(session: Session) -> None:
    existing = {region.code: region for region in session.scalars(select(Region))}
    for code, info in russian_regions().items():
        values = {
            "code": code,
            "name": info.name,
            "name_iso": info.name_iso,
            "name_ru": info.name_ru,
            "type": info.type,
        }
        upsert(session, existing.get(code), Region, values)


def sync_people(session: Session, seed: SeedSet) -> set[str]:
    """Upsert organisations and people; return the ids of those that changed."""
    changed: set[str] = set()
    organisations = {o.id: o for o in session.scalars(select(Organisation))}
    for org in seed.people.organisations:
        values = {
            "id": org.id,
            "name": org.name,
            "aliases": org.aliases,
            "description": org.description,
        }
        if upsert(session, organisations.get(org.id), Organisation, values):
            changed.add(org.id)
    session.flush()
    people = {p.id: p for p in session.scalars(select(Person))}
    for person in seed.people.people:
        values = {
            "id": person.id,
            "name": person.name,
            "aliases": person.aliases,
            "role": person.role,
            "organisation_id": person.organisation,
        }
        if upsert(session, people.get(person.id), Person, values):
            changed.add(person.id)
    return changed


def remove_people(session: Session, seed: SeedSet) -> None:
    """People and organisations no longer in people.yaml (after the claims naming them went)."""
    people = {person.id for person in seed.people.people}
    session.execute(delete(Person).where(Person.id.not_in(people)))
    organisations = {org.id for org in seed.people.organisations}
    session.execute(delete(Organisation).where(Organisation.id.not_in(organisations)))
