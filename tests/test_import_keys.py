"""The import's key checks keep 64-bit hashes, not the keys (app/loader/keys.py): equal hashes are
only candidates, confirmed by reading the rows again. These tests force every key to collide."""

from __future__ import annotations

from array import array
from collections.abc import Iterator

import pytest

from app.db import Base
from app.loader import keys
from app.loader.keys import Keys
from app.loader.rows import PackageError, Row

REGIONS = Base.metadata.tables["regions"]
RECORDS = Base.metadata.tables["records"]


def _regions(*codes: str) -> list[Row]:
    return [Row("regions.csv", line, {"code": code}) for line, code in enumerate(codes, start=2)]


def _read(rows: list[Row]) -> dict[tuple[str, str], array[int]]:
    targets: dict[tuple[str, str], array[int]] = {}
    checker = Keys(REGIONS, targets)
    for row in rows:
        checker.check(row)

    def again() -> Iterator[Row]:
        return iter(rows)

    checker.finish(again)
    return targets


@pytest.fixture
def colliding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "_key_hash", lambda key: 0)


@pytest.mark.usefixtures("colliding")
def test_colliding_hashes_do_not_refuse_distinct_keys() -> None:
    targets = _read(_regions("RU-BU", "RU-MOW", "RU-SPE"))
    assert len(targets[("regions", "code")]) == 3


@pytest.mark.usefixtures("colliding")
def test_a_true_duplicate_among_collisions_is_refused_at_its_second_line() -> None:
    with pytest.raises(PackageError) as refused:
        _read(_regions("RU-BU", "RU-MOW", "RU-BU"))
    assert str(refused.value) == (
        "regions.csv: line 4: field code: 'RU-BU' already given on line 2 (must be unique)"
    )


def test_a_reference_to_no_row_is_refused() -> None:
    targets = _read(_regions("RU-BU"))
    checker = Keys(RECORDS, targets)
    values = {column.name: None for column in RECORDS.columns}
    checker.check(Row("records.csv", 2, values | {"id": "a", "region_code": "RU-BU"}))
    with pytest.raises(PackageError, match="line 3: field region_code: 'RU-XX': no such regions"):
        checker.check(Row("records.csv", 3, values | {"id": "b", "region_code": "RU-XX"}))
