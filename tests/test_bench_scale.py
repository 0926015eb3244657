"""The scale benchmark's pieces at a tiny size: the synthetic package imports like any export,
says everywhere that it is synthetic, and is the same bytes on every run (no timings here)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import package
from bench import synthetic


def test_synthetic_package_imports_and_serves(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    counts = synthetic.generate(tmp_path / "pkg", sentences=300, claims=40)
    target = session_for(empty_db)
    imported = package.import_dir(target, tmp_path / "pkg")
    target.commit()
    assert imported == counts
    assert imported["sentence_stats"] == 300
    assert imported["claims"] == 40
    assert imported["evidence"] >= imported["records"]  # one to three quotes each
    client = client_for(empty_db)
    page = client.get("/v1/sentences?limit=5").json()
    assert len(page["data"]) == 5
    for record in page["data"]:
        assert record["statement"].startswith("Synthetic")
        assert record["sources"]
        assert all(source["quote"].startswith("Synthetic quote") for source in record["sources"])
    articles = client.get("/v1/articles?limit=500").json()["data"]
    assert {article["publisher"] for article in articles} == {synthetic.PUBLISHER}
    assert all(article["url"].startswith("https://synthetic.invalid/") for article in articles)


def test_synthetic_package_is_deterministic_and_labelled(tmp_path: Path) -> None:
    synthetic.generate(tmp_path / "a", sentences=120, claims=10)
    synthetic.generate(tmp_path / "b", sentences=120, claims=10)
    for name in [f"{table}.csv" for table in package.TABLES] + ["datapackage.json"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    descriptor = json.loads((tmp_path / "a" / "datapackage.json").read_text(encoding="utf-8"))
    assert "SYNTHETIC" in descriptor["title"]
    assert "Synthetic" in descriptor["description"]
