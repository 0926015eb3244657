"""CSV injection: text that a spreadsheet would run as a formula is served with a leading ``'``
in every CSV, while numbers stay numbers and JSON / NDJSON keep the text as it was stated."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.csv_rows import as_is
from app.csv_safety import neutralise, restore
from app.loader import load_seed
from app.negotiation import OutputFormat
from app.spool import write_export
from tests.factories import make_article, make_sentence, write_seed

# Texts a spreadsheet reads as formulas (OWASP), each as a sentence's statement and quote; each
# states the sentence's value, 7, as a quote must (the loader's curation rules).
HOSTILE = {
    "plus": "+7 more cases",
    "equals": "=1+7",
    "minus": "-7 x",
    "at": "@handle 7",
}


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def hostile_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sentences = [
        make_sentence(f"hostile-{name}", "2024-03", 7, statement=text, evidence=[{"quote": text}])
        for name, text in HOSTILE.items()
    ]
    content = {"article": make_article("hostile", title="@handle wrote"), "sentences": sentences}
    return write_seed(tmp_path_factory.mktemp("hostile") / "seed", [content])


@pytest.fixture
def hostile(
    hostile_seed: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> TestClient:
    session = session_for(empty_db)
    load_seed(session, hostile_seed)
    session.commit()
    return client_for(empty_db)


def test_formula_text_is_escaped_in_the_list_csv(hostile: TestClient) -> None:
    rows = {r["id"]: r for r in table(hostile.get("/v1/sentences.csv").text)}
    for name, text in HOSTILE.items():
        row = rows[f"hostile-{name}"]
        assert row["statement"] == "'" + text
        assert row["source_quote"] == "'" + text
        assert row["source_title"] == "'@handle wrote"
        assert float(row["value"]) == 7  # a number is not text: never escaped


def test_formula_text_is_escaped_in_the_articles_and_search_csv(hostile: TestClient) -> None:
    articles = table(hostile.get("/v1/articles.csv").text)
    assert [a["title"] for a in articles] == ["'@handle wrote"]
    hits = table(hostile.get("/v1/search.csv", params={"q": "handle"}).text)
    assert hits
    assert all(not h["title"].startswith(("=", "+", "-", "@")) for h in hits)
    assert "'@handle wrote" in {h["title"] for h in hits}


def test_json_and_ndjson_keep_the_text_as_stated(hostile: TestClient) -> None:
    by_id = {s["id"]: s for s in hostile.get("/v1/sentences").json()["data"]}
    lines = hostile.get("/v1/sentences.ndjson").text.splitlines()
    streamed = {item["id"]: item for item in map(json.loads, lines)}
    for name, text in HOSTILE.items():
        for item in (by_id[f"hostile-{name}"], streamed[f"hostile-{name}"]):
            assert item["statement"] == text
            assert item["sources"][0]["quote"] == text
            assert item["sources"][0]["article"]["title"] == "@handle wrote"


ITEMS: list[dict[str, Any]] = [
    {"text": "\tx", "count": -3, "ratio": -0.5, "flag": False},
    {"text": "\rx", "count": 4, "ratio": 1.5, "flag": True},
    {"text": "'already quoted", "count": 0, "ratio": 0.0, "flag": True},
    {"text": "plain - text", "count": -12, "ratio": -1e-3, "flag": False},
]


def test_every_text_cell_is_neutralised_and_numbers_stay_numbers() -> None:
    writer = write_export(iter(ITEMS), OutputFormat.csv, as_is(ITEMS[0]), bom=False)
    rows = table(b"".join(writer.chunks()).decode())
    assert [r["text"] for r in rows] == ["'\tx", "'\rx", "''already quoted", "plain - text"]
    assert [r["count"] for r in rows] == ["-3", "4", "0", "-12"]
    assert [float(r["ratio"]) for r in rows] == [-0.5, 1.5, 0.0, -1e-3]
    assert [r["flag"] for r in rows] == ["false", "true", "true", "false"]
    assert [restore(r["text"]) for r in rows] == [i["text"] for i in ITEMS]


def test_ndjson_is_written_verbatim() -> None:
    writer = write_export(iter(ITEMS), OutputFormat.ndjson, as_is(ITEMS[0]), bom=False)
    lines = b"".join(writer.chunks()).decode().splitlines()
    assert [json.loads(line) for line in lines] == ITEMS


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-1", "@x", "\t", "\r", "'"])
def test_neutralise_round_trips(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("text", ["", "15% more", "a=b", "Бурятия"])
def test_harmless_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text
