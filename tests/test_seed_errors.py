"""Every refusal the seed reader can give, each reached by breaking a copy of the real seed one
way: the exact problem line must be among those reported (naming the file, record and field).
test_hostile_seed.py covers what an attacker would try; this covers honest mistakes."""

from __future__ import annotations

import copy
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.loader import SeedError, read_seed
from app.loader.reading import snapshot_texts
from tests.factories import edit, make_article, write_seed

DAGENS = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"
ACTUALNO = "actualno-2025-11-12-buryatia-young-men-killed"
ACTUALNO_RISK = "actualno-buryatia-percent-residents-dead"
TELEGRAM_STUB = "beri-shinel-telegram-buryatia-losses"  # a stub described in ACTUALNO's file
SVERDLIN_CLAIM = "dagens-sverdlin-military-in-chaos"
FIRST_SENTENCE = "dagens-2024-sentences-per-month"


def on(article_id: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return lambda seed: edit(seed, article_id, change)


def on_people(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(seed: Path) -> None:
        path = seed / "people.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    return apply


def add_file(content: dict[str, Any]) -> Callable[[Path], None]:
    def apply(seed: Path) -> None:
        write_seed(seed, [content])

    return apply


def _copy_under(name: str, article_id: str = DAGENS) -> Callable[[Path], None]:
    def apply(seed: Path) -> None:
        shutil.copy(seed / "articles" / f"{article_id}.yaml", seed / "articles" / name)

    return apply


def _rename(seed: Path) -> None:
    (seed / "articles" / f"{ACTUALNO}.yaml").rename(seed / "articles" / "actualno-renamed.yaml")


def _no_files(seed: Path) -> None:
    for path in (seed / "articles").glob("*.yaml"):
        path.unlink()


def _latin1_snapshot(seed: Path) -> None:
    data = "Buryatia \xe9t\xe9".encode("latin-1")
    (seed / "articles" / "latin1.txt").write_bytes(data)

    def point(article: dict[str, Any]) -> None:
        article["article"]["snapshot"] = {
            "file": "latin1.txt",
            "sha256": hashlib.sha256(data).hexdigest(),
        }

    edit(seed, ACTUALNO, point)


def _set(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


def _append(key: str, item: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.setdefault(key, []).append(item)


def _risk_twice(data: dict[str, Any]) -> None:
    data["risks"].append(copy.deepcopy(data["risks"][0]))  # a copy: no YAML alias


def _cite(*cites: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["article"].setdefault("cites", []).extend(cites)


def _relation(source: str, target: str) -> dict[str, Any]:
    return {"from": source, "relation": "corroborates", "to": target}


def _person(**fields: Any) -> dict[str, Any]:
    return {"id": "temporary-person", "name": "Temporary Person"} | fields


def _twice(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data[key].append(copy.deepcopy(data[key][0]))


# (case id, break the seed copy, the exact problem line expected among those reported)
CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "no-seed-files",
        _no_files,
        "{seed}/articles: no *.yaml seed files",
    ),
    (
        "article-id-in-two-files",
        _copy_under("zz-copy.yaml"),
        f"zz-copy.yaml: article {DAGENS}: id used by another file",
    ),
    (
        "file-named-differently",
        _rename,
        f"actualno-renamed.yaml: article id '{ACTUALNO}' differs from the file name",
    ),
    (
        "record-id-twice",
        on(ACTUALNO, _risk_twice),
        f"{ACTUALNO}.yaml: record {ACTUALNO_RISK}: id used twice",
    ),
    (
        "snapshot-missing",
        on(DAGENS, _set("article", "snapshot", "file", value="missing.txt")),
        f"{DAGENS}.yaml: article: field snapshot.file: 'missing.txt': "
        "missing or not a regular file",
    ),
    (
        "snapshot-not-utf8",
        _latin1_snapshot,
        f"{ACTUALNO}.yaml: article: field snapshot.file: 'latin1.txt' is not UTF-8 text",
    ),
    (
        "stub-described-twice",
        add_file(
            {
                "article": make_article(
                    "zz-other",
                    cites=[{"article": TELEGRAM_STUB, "publisher": "Someone else"}],
                )
            }
        ),
        f"zz-other.yaml: article cites {TELEGRAM_STUB}: stub described differently in another "
        "file; describe it once and cite it by id elsewhere",
    ),
    (
        "stub-with-an-article-id",
        on(ACTUALNO, _cite({"article": DAGENS, "publisher": "Dagens"})),
        f"stub {DAGENS}: an article file has this id; cite it by id alone",
    ),
    (
        "citation-of-nothing",
        on(ACTUALNO, _cite({"article": "no-such-article"})),
        "citation of 'no-such-article': no article file or stub with that id",
    ),
    (
        "cites-twice",
        on(ACTUALNO, _cite({"article": DAGENS}, {"article": DAGENS})),
        f"article {ACTUALNO}: field cites: cites {DAGENS} twice",
    ),
    (
        "person-of-unknown-organisation",
        on_people(_append("people", _person(organisation="no-such-organisation"))),
        "people.yaml: person temporary-person: field organisation: "
        "unknown organisation 'no-such-organisation'",
    ),
    (
        "person-id-twice",
        on_people(_twice("people")),
        "people.yaml: person grigory-sverdlin: id used twice",
    ),
    (
        "organisation-id-twice",
        on_people(_twice("organisations")),
        "people.yaml: organisation idite-lesom: id used twice",
    ),
    (
        "unknown-speaker",
        on(DAGENS, lambda d: d["claims"][1].update(speaker="nobody")),
        f"{DAGENS}.yaml: record {SVERDLIN_CLAIM}: field speaker: unknown person 'nobody'",
    ),
    (
        "unknown-organisation",
        on(DAGENS, lambda d: d["claims"][1].update(organisation="nobody")),
        f"{DAGENS}.yaml: record {SVERDLIN_CLAIM}: field organisation: unknown 'nobody'",
    ),
    (
        "relation-from-nothing",
        on(DAGENS, _append("relations", _relation("no-such-record", FIRST_SENTENCE))),
        f"{DAGENS}.yaml: relation no-such-record corroborates {FIRST_SENTENCE}: "
        "field from: no record 'no-such-record'",
    ),
    (
        "relation-to-itself",
        on(DAGENS, _append("relations", _relation(FIRST_SENTENCE, FIRST_SENTENCE))),
        f"{DAGENS}.yaml: relation {FIRST_SENTENCE} corroborates {FIRST_SENTENCE}: "
        "a record cannot relate to itself",
    ),
    (
        "relation-twice",
        on(
            DAGENS,
            lambda d: d.setdefault("relations", []).extend(
                [_relation(FIRST_SENTENCE, ACTUALNO_RISK) for _ in range(2)]
            ),
        ),
        f"{DAGENS}.yaml: record {FIRST_SENTENCE}: field relations: "
        f"corroborates {ACTUALNO_RISK} given twice (counting derived.from)",
    ),
]


@pytest.mark.parametrize(("breaks", "problem"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_mistake_is_reported_exactly(
    seed_copy: Path, breaks: Callable[[Path], None], problem: str
) -> None:
    breaks(seed_copy)
    with pytest.raises(SeedError) as refused:
        read_seed(seed_copy)
    assert problem.format(seed=seed_copy) in refused.value.problems


def test_an_item_of_an_unindexable_family_is_named_by_its_position(seed_copy: Path) -> None:
    """A family given as a YAML set has no item to read an id from: the position names it."""
    path = seed_copy / "articles" / f"{ACTUALNO}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nrisks:\n", "\nsentences: !!set {not-a-record: null}\nrisks:\n"))
    with pytest.raises(SeedError) as refused:
        read_seed(seed_copy)
    assert any(
        p.startswith(f"{ACTUALNO}.yaml: record sentences[0]: ") for p in refused.value.problems
    ), refused.value.problems


def test_files_that_are_not_snapshots_are_skipped_for_import(seed_copy: Path) -> None:
    (seed_copy / "articles" / "binary.bin").write_bytes(b"\xff\xfe\x00 not text")
    texts = snapshot_texts(seed_copy)
    dagens = (seed_copy / "articles" / f"{DAGENS}.txt").read_bytes()
    assert hashlib.sha256(dagens).hexdigest() in texts
    assert hashlib.sha256(b"\xff\xfe\x00 not text").hexdigest() not in texts
