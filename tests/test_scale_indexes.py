"""What keeps the filtered lists indexed as the data grows (issue 11): each family's copy of
records.region_code, which ``?region=`` and the region page read in the family's list order,
is always the record's region (after the seed, an import and an edit); and ``?from=``'s lower
bound on period_start, kept per data version, still finds a record loaded with a longer
period than any before it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import package
from app.families import FAMILIES, Family
from app.families.periods import months_before
from app.loader import load_seed
from app.loader.copies import Copies
from app.models import RiskFigure
from app.queries import records
from tests.factories import edit, make_sentence
from tests.helpers import walk

DAGENS = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"


def load_with_sentence(
    session: Session, seed_dir: Path, record_id: str, month: str, period: Any = None, **more: Any
) -> None:
    """Load ``seed_dir`` with one more court statistic in the Dagens article (its quote)."""

    def add(data: dict[str, Any]) -> None:
        sentence = make_sentence(record_id, month, 800, **more)
        sentence["evidence"] = [{"quote": "800 Sentences Monthly"}]
        if period is not None:
            sentence["period"] = period
        data["sentences"].append(sentence)

    edit(seed_dir, DAGENS, add)
    load_seed(session, seed_dir)
    session.commit()


def differing(session: Session, family: Family) -> tuple[int, int]:
    """(rows whose copy differs from records.region_code, rows with a region) of ``family``."""
    table = family.table
    joined = table.join(records, records.c.id == table.c.id)
    differ = select(func.count()).select_from(joined)
    differ = differ.where(table.c.region_code.is_distinct_from(records.c.region_code))
    regional = select(func.count()).select_from(joined).where(records.c.region_code.is_not(None))
    return session.scalar(differ) or 0, session.scalar(regional) or 0


def test_each_family_copy_of_the_region_is_the_records_after_seed_import_and_edit(
    tmp_path: Path,
    seed_copy: Path,
    seeded_db: str,
    empty_db: str,
    session_for: Callable[[str], Session],
) -> None:
    seeded = session_for(seeded_db)
    # The seed's court statistics are national: one about a region.
    load_with_sentence(seeded, seed_copy, "dagens-in-buryatia", "2024-09", region="RU-BU")
    package.export_dir(seeded, tmp_path / "pkg")
    imported = session_for(empty_db)
    package.import_dir(imported, tmp_path / "pkg")
    imported.commit()
    for session in (seeded, imported):
        for family in FAMILIES.values():
            wrong, regional = differing(session, family)
            assert (wrong, family.kind) == (0, family.kind)
            assert regional > 0, f"{family.kind}: the seed has regional records"
    risk = seeded.scalars(select(RiskFigure).where(RiskFigure.region_code == "RU-BU")).first()
    assert risk is not None
    risk.region_code = "RU-TY"  # one attribute, both columns
    seeded.flush()
    assert differing(seeded, FAMILIES["risk"])[0] == 0


def test_the_copies_are_filled_when_every_id_shares_its_hash(
    tmp_path: Path,
    seeded_db: str,
    empty_db: str,
    session_for: Callable[[str], Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Import fills a copy as its row is written, looking the record's region up by the hash of
    its id; a hash two records share is never trusted, and those rows are filled after."""
    package.export_dir(session_for(seeded_db), tmp_path / "pkg")
    monkeypatch.setattr(package, "Copies", partial(Copies, key=lambda _: 0))
    imported = session_for(empty_db)
    package.import_dir(imported, tmp_path / "pkg")
    imported.commit()
    found = {family.kind: differing(imported, family) for family in FAMILIES.values()}
    assert all(wrong == 0 for wrong, _ in found.values()), found
    assert sum(regional for _, regional in found.values()) > 0, found


@pytest.mark.parametrize("family", FAMILIES.values(), ids=lambda f: f.kind)
def test_the_region_filter_reads_the_family_index_in_list_order(
    family: Family, seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    session = session_for(seeded_db)
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("a plan on a few hundred rows says nothing about PostgreSQL at scale")
    statement = family.select(family.condition("region", "RU-BU")).order_by(*family.order)
    compiled = statement.limit(50).compile(
        session.get_bind(), compile_kwargs={"literal_binds": True}
    )
    plan = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    details = [row[3] for row in plan]
    order = "_".join(column.name for column in family.order)
    index = f"ix_{family.table.name}_region_code_{order}"
    assert any(index in detail for detail in details), details
    assert not any("TEMP B-TREE" in detail for detail in details), details


def test_from_still_finds_a_period_longer_than_any_before(
    seed_copy: Path,
    seeded_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for(seeded_db)
    url = "/v1/sentences?from=2024-09&to=2024-09&limit=20"
    before = {item["id"] for item in walk(client, url)}  # the bound is kept for this version
    assert before
    assert "dagens-since-2010" not in before
    long = {"start": "2010-01", "end": "2024-09"}
    load_with_sentence(session_for(seeded_db), seed_copy, "dagens-since-2010", "2024-09", long)
    assert {item["id"] for item in walk(client, url)} == before | {"dagens-since-2010"}


@pytest.mark.parametrize(
    ("month", "months", "expected"),
    [(date(2024, 3, 1), 0, date(2024, 3, 1)), (date(2024, 3, 1), 3, date(2023, 12, 1))],
)
def test_months_before(month: date, months: int, expected: date) -> None:
    assert months_before(month, months) == expected
