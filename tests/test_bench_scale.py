"""The scale benchmark's pieces at a tiny size: the synthetic package imports like any export,
says everywhere that it is synthetic, and is the same bytes on every run (no timings here)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import package
from bench import report, synthetic


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


def _results() -> report.Results:
    """Made-up figures (no timing here): one read within 3x, one far over."""
    fast, slow = report.Load(100.0, 2.0, 4.0), report.Load(10.0, 50.0, 90.0)
    results = report.Results(sentences=1000, seconds=1.0, hello=report.Load(1000.0, 1.0, 2.0))
    for engine in ("sqlite", "postgresql"):
        results.reads[(engine, "seed")] = {"list, first page": fast, "series": fast}
        results.reads[(engine, "big")] = {"list, first page": fast, "series": slow}
        results.plans[(engine, "series")] = [("SELECT 1", "SCAN sentence_stats")]
        results.exports[engine] = [report.Export("/v1/sentences.csv", 0.2, 1000, 0.1, 90.0)]
    results.uncached_list, results.cached_list = report.Load(400.0, 2, 3), report.Load(900.0, 1, 2)
    results.not_modified = report.Load(950.0, 1.0, 2.0)
    results.datasette, results.list_on_datasette_file = (
        report.Load(100, 1, 2),
        report.Load(350, 1, 2),
    )
    results.cold_api, results.cold_hello = 1.1, 0.4
    results.workers = {(n, "list, first page"): report.Load(100.0 * n, 1, 2) for n in (1, 2, 4)}
    return results


def test_report_has_every_section_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n## Sustained load and soak\n\nkept text\n", encoding="utf-8")
    report.write_report(path, _results())
    report.write_report(path, _results())  # a second run replaces its section, once
    text = path.read_text(encoding="utf-8")
    assert text.count(report.START) == 1
    assert "## Sustained load and soak\n\nkept text" in text
    for heading in (
        "### Reads at seed size and at scale",
        "### Against the framework's floor and Datasette",
        "### Streamed exports at scale",
        "### Import",
        "### Scale-out",
        "### Query plans at scale",
    ):
        assert heading in text
    list_row = next(line for line in text.splitlines() if line.startswith("| list, first page"))
    series_row = next(line for line in text.splitlines() if line.startswith("| series"))
    assert list_row.endswith("| met |")
    assert series_row.endswith("| **not met** |")  # 25x the seed's p50
    assert "SCAN sentence_stats" in text
    assert "| 4.00 |" in text  # 4 workers over 1
