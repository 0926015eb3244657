"""The seed loader: idempotent, all-or-nothing, precise about what is wrong, and honest (every
record has evidence; a quote from an article we hold must be in its text)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.loader import SeedError, fold, load_seed, read_seed
from app.models import Article, Evidence, Person, Record, RecordRelation, Region, Revision
from tests.conftest import SEED_DIR, seed_into
from tests.factories import edit

DAGENS = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"


def counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Article, Record, Evidence, RecordRelation, Revision, Region)
    }


def test_seed_loads_every_record_with_evidence(
    seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    session = session_for(seeded_db)
    seed = read_seed(SEED_DIR)
    stored = set(session.scalars(select(Record.id)))
    assert stored == set(seed.records)
    without_evidence = session.scalars(
        select(Record.id).where(~Record.id.in_(select(Evidence.record_id)))
    ).all()
    assert without_evidence == []
    assert session.scalar(select(func.count()).select_from(Region)) == 83


def test_second_run_changes_nothing(seeded_db: str, session_for: Callable[[str], Session]) -> None:
    session = session_for(seeded_db)
    before = counts(session)
    report = load_seed(session, SEED_DIR)
    session.commit()
    assert report.changed == 0
    assert report.unchanged == before["articles"] + before["records"]
    assert counts(session) == before


def test_dagens_quotes_are_verbatim_in_the_article_text(
    seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    text = fold(Path(SEED_DIR / "articles" / f"{DAGENS}.txt").read_text(encoding="utf-8"))
    session = session_for(seeded_db)
    quotes = session.scalars(select(Evidence).where(Evidence.article_id == DAGENS)).all()
    assert len(quotes) >= 10
    for evidence in quotes:
        assert fold(evidence.quote) in text, evidence.quote
        assert evidence.verified


def test_a_quote_missing_from_the_snapshot_is_refused(seed_copy: Path) -> None:
    def misquote(data: dict[str, Any]) -> None:
        data["risks"][0]["evidence"][0]["quote"] = "Buryatia is 34 times more dangerous."

    edit(seed_copy, DAGENS, misquote)
    with pytest.raises(SeedError) as refused:
        read_seed(seed_copy)
    [problem] = refused.value.problems
    assert f"{DAGENS}.yaml" in problem
    assert "record dagens-buryatia-vs-moscow-death-likelihood" in problem
    assert "field evidence.0.quote" in problem


def test_quotes_match_across_typographic_quotes_and_line_breaks() -> None:
    assert fold("“Run to the\n  Forest,” he said") == fold('"Run to the Forest," he said')


def test_a_changed_snapshot_is_refused(seed_copy: Path) -> None:
    with (seed_copy / "articles" / f"{DAGENS}.txt").open("a", encoding="utf-8") as snapshot:
        snapshot.write("\nedited\n")
    with pytest.raises(SeedError, match="snapshot.sha256"):
        read_seed(seed_copy)


def test_a_bad_file_loads_nothing_and_names_file_record_and_field(
    seed_copy: Path, empty_db: str, session_for: Callable[[str], Session]
) -> None:
    def break_qualifier(data: dict[str, Any]) -> None:
        data["sentences"][0]["value_qualifier"] = "roughly"

    edit(seed_copy, DAGENS, break_qualifier)
    session = session_for(empty_db)
    with pytest.raises(SeedError) as refused:
        load_seed(session, seed_copy)
    session.rollback()
    [problem] = refused.value.problems
    assert problem.startswith(f"{DAGENS}.yaml: record dagens-2024-sentences-per-month: ")
    assert "field value_qualifier" in problem
    assert all(count == 0 for count in counts(session).values())


def test_a_failed_reload_keeps_what_was_stored(
    seed_copy: Path, seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    session = session_for(seeded_db)
    before = counts(session)

    def drop_evidence(data: dict[str, Any]) -> None:
        data["claims"][0]["evidence"] = []

    edit(seed_copy, DAGENS, drop_evidence)
    with pytest.raises(SeedError, match="evidence"):
        load_seed(session, seed_copy)
    session.rollback()
    assert counts(session) == before


def test_a_relation_to_a_missing_record_is_refused(seed_copy: Path) -> None:
    def relate(data: dict[str, Any]) -> None:
        data["relations"] = [
            {
                "from": "dagens-2024-sentences-per-month",
                "relation": "corroborates",
                "to": "no-such-record",
            }
        ]

    edit(seed_copy, DAGENS, relate)
    with pytest.raises(SeedError, match="field to: no record 'no-such-record'"):
        read_seed(seed_copy)


def test_a_derivation_from_an_unknown_record_is_refused(seed_copy: Path) -> None:
    def derive(data: dict[str, Any]) -> None:
        data["sentences"][1]["derived"]["from"] = ["no-such-record"]

    edit(seed_copy, DAGENS, derive)
    with pytest.raises(SeedError, match="derived.from: no record 'no-such-record'"):
        read_seed(seed_copy)


def test_an_unknown_region_code_is_refused(seed_copy: Path) -> None:
    def move(data: dict[str, Any]) -> None:
        data["risks"][0]["region"] = "RU-XX"

    edit(seed_copy, DAGENS, move)
    with pytest.raises(SeedError, match="field region: 'RU-XX' is not an ISO 3166-2:RU code"):
        read_seed(seed_copy)


def test_a_change_and_a_removal_are_recorded_as_revisions(
    seed_copy: Path, seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    session = session_for(seeded_db)

    def change(data: dict[str, Any]) -> None:
        data["sentences"][0]["statement"] = "Edited statement."
        data["claims"] = [
            c for c in data["claims"] if c["id"] != "dagens-families-protect-deserters"
        ]

    edit(seed_copy, DAGENS, change)
    last = session.scalar(select(func.max(Revision.id)))
    report = load_seed(session, seed_copy)
    session.commit()
    assert (report.created, report.updated, report.deleted) == (0, 1, 1)
    new = session.scalars(select(Revision).where(Revision.id > last)).all()
    assert {(r.entity_id, r.action) for r in new if r.reason != "seed: related data changed"} == {
        ("dagens-2024-sentences-per-month", "update"),
        ("dagens-families-protect-deserters", "delete"),
    }
    # Records that show the edited one (a relation, a derivation) are revised too.
    dependents = {r.entity_id for r in new if r.reason == "seed: related data changed"}
    assert "dagens-2023-sentences-per-month-derived" in dependents
    assert all(r.action == "update" for r in new if r.entity_id in dependents)
    assert session.get(Record, "dagens-families-protect-deserters") is None
    assert session.get(Record, "dagens-2024-sentences-per-month").statement == "Edited statement."  # type: ignore[union-attr]


def test_seed_into_a_second_database_gives_the_same_rows(
    empty_db: str, seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    seed_into(empty_db)
    first, second = session_for(empty_db), session_for(seeded_db)
    ids = select(Record.id, Record.content_hash).order_by(Record.id)
    assert first.execute(ids).all() == second.execute(ids).all()


def test_dropping_a_snapshot_unverifies_its_quotes(
    seed_copy: Path, seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    def drop_snapshot(data: dict[str, Any]) -> None:
        del data["article"]["snapshot"]

    edit(seed_copy, DAGENS, drop_snapshot)
    session = session_for(seeded_db)
    load_seed(session, seed_copy)
    session.commit()
    flags = set(session.scalars(select(Evidence.verified).where(Evidence.article_id == DAGENS)))
    assert flags == {False}


def test_people_dropped_from_the_seed_are_removed(
    seed_copy: Path, seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    people = seed_copy / "people.yaml"
    data = yaml.safe_load(people.read_text(encoding="utf-8"))
    data["people"].append({"id": "temporary-person", "name": "Temporary Person"})
    people.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    session = session_for(seeded_db)
    load_seed(session, seed_copy)
    session.commit()
    assert session.get(Person, "temporary-person") is not None
    data["people"].pop()
    people.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    load_seed(session, seed_copy)
    session.commit()
    session.expire_all()
    assert session.get(Person, "temporary-person") is None
    assert session.get(Person, "grigory-sverdlin") is not None


def test_a_changed_person_is_updated_and_the_claims_naming_them_revised(
    seed_copy: Path, seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    people = seed_copy / "people.yaml"
    data = yaml.safe_load(people.read_text(encoding="utf-8"))
    [sverdlin] = [p for p in data["people"] if p["id"] == "grigory-sverdlin"]
    sverdlin["role"] = "founder and director of Idite Lesom"
    people.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    session = session_for(seeded_db)
    last = session.scalar(select(func.max(Revision.id)))
    load_seed(session, seed_copy)
    session.commit()
    session.expire_all()
    assert session.get(Person, "grigory-sverdlin").role == sverdlin["role"]  # type: ignore[union-attr]
    revised = set(session.scalars(select(Revision.entity_id).where(Revision.id > last)))
    assert "dagens-sverdlin-military-in-chaos" in revised


def test_a_region_changed_in_the_database_is_put_back_by_the_next_load(
    seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    session = session_for(seeded_db)
    buryatia = session.get(Region, "RU-BU")
    assert buryatia is not None
    name = buryatia.name
    buryatia.name = "Somewhere else"
    session.commit()
    load_seed(session, SEED_DIR)
    session.commit()
    session.expire_all()
    assert session.get(Region, "RU-BU").name == name  # type: ignore[union-attr]
