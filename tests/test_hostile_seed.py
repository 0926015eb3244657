"""A hostile corpus for the seed loader: the real seed, broken one way per case. ``seed --check``
and ``seed`` must both refuse it with one line naming the file and the field, no traceback, and
the (seeded) database unchanged."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.loader import read_seed
from app.loader.reading import MAX_YAML_BYTES
from tests.conftest import SEED_DIR
from tests.factories import edit
from tests.helpers import seed
from tests.test_hostile_import import fingerprint, run_cli

DAGENS = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"
ACTUALNO = "actualno-2025-11-12-buryatia-young-men-killed"


def line_of(article_id: str, text: str) -> int:
    """The line of a seed file holding ``text`` (audits move lines; the test must not care)."""
    lines = (SEED_DIR / "articles" / f"{article_id}.yaml").read_text("utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def article_file(seed: Path, article_id: str = DAGENS) -> Path:
    return seed / "articles" / f"{article_id}.yaml"


def rewrite(change: Callable[[str], str], article_id: str = DAGENS) -> Callable[[Path], None]:
    def apply(seed: Path) -> None:
        path = article_file(seed, article_id)
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    return apply


def change_data(
    change: Callable[[dict[str, Any]], None], article_id: str = DAGENS
) -> Callable[[Path], None]:
    return lambda seed: edit(seed, article_id, change)


def _outside_copy(seed: Path) -> Path:
    """The Dagens text copied outside the seed folder: the checksum matches, the place does not."""
    outside = seed.parent / "outside.txt"
    outside.write_bytes((seed / "articles" / f"{DAGENS}.txt").read_bytes())
    return outside


def _snapshot_at(where: Callable[[Path, Path], str]) -> Callable[[Path], None]:
    def apply(seed: Path) -> None:
        outside = _outside_copy(seed)
        name = where(seed, outside)

        def point(data: dict[str, Any]) -> None:
            data["article"]["snapshot"]["file"] = name

        edit(seed, DAGENS, point)

    return apply


def _symlinked_snapshot(seed: Path, outside: Path) -> str:
    (seed / "articles" / "link.txt").symlink_to(outside)
    return "link.txt"


def _symlinked_yaml(seed: Path) -> None:
    outside = seed.parent / "outside.yaml"
    article_file(seed).rename(outside)
    article_file(seed).symlink_to(outside)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set a dotted path (list indexes as numbers) in a seed file's data."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


def _same_url_as_dagens(data: dict[str, Any]) -> None:
    data["article"]["url"] = str(seed().articles[DAGENS].url)


def _bad_bytes(seed: Path) -> None:
    path = article_file(seed)
    path.write_bytes(path.read_bytes().replace(b"Dagens", b"Dag\xffns", 1))


def _huge(seed: Path) -> None:
    with article_file(seed).open("a", encoding="utf-8") as handle:
        handle.write(("# padding\n") * (MAX_YAML_BYTES // 10 + 1))


def _bad_people(seed: Path) -> None:
    path = seed / "people.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("- id: idite-lesom", f"- id: {'a' * 81}", 1),
        encoding="utf-8",
    )


# (case id, break the seed copy, the file named, text the one-line error must contain)
CASES: list[tuple[str, Callable[[Path], None], str, list[str]]] = [
    ("empty-file", rewrite(lambda _: ""), f"{DAGENS}.yaml", ["empty", "remove the file"]),
    (
        "comment-only-file",
        rewrite(lambda _: "# all records went\n"),
        f"{DAGENS}.yaml",
        ["empty", "remove the file"],
    ),
    (
        "snapshot-dotdot",
        _snapshot_at(lambda seed, outside: "../../outside.txt"),
        f"{DAGENS}.yaml",
        ["field snapshot.file", "inside the seed folder"],
    ),
    (
        "snapshot-absolute",
        _snapshot_at(lambda seed, outside: str(outside)),
        f"{DAGENS}.yaml",
        ["field snapshot.file", "inside the seed folder"],
    ),
    (
        "snapshot-symlink-out",
        _snapshot_at(_symlinked_snapshot),
        f"{DAGENS}.yaml",
        ["field snapshot.file", "'link.txt': resolves outside the seed folder"],
    ),
    ("yaml-symlink-out", _symlinked_yaml, f"{DAGENS}.yaml", ["resolves outside the seed folder"]),
    (
        "duplicate-key",
        rewrite(
            lambda text: text.replace("article:\n", "article:\n  publisher: Someone else\n", 1)
        ),
        f"{DAGENS}.yaml",
        ["duplicate key 'publisher'", "line"],
    ),
    (
        "alias",
        rewrite(lambda text: text + "\nextra: &a [1]\nmore: *a\n", ACTUALNO),
        f"{ACTUALNO}.yaml",
        ["aliases"],
    ),
    (
        "nul-in-quote",
        change_data(_set("risks.0.evidence.0.quote", "a quote\x00with a NUL"), ACTUALNO),
        f"{ACTUALNO}.yaml",
        ["field evidence.0.quote", "NUL"],
    ),
    (
        "lone-surrogate",
        rewrite(lambda t: t.replace("statement: 0.38%", 'statement: "\\ud800 0.38%"'), ACTUALNO),
        f"{ACTUALNO}.yaml",
        ["not readable YAML", f"line {line_of(ACTUALNO, 'statement: 0.38%')}"],
    ),
    ("too-big", _huge, f"{DAGENS}.yaml", ["over the limit of 2097152"]),
    ("invalid-utf8", _bad_bytes, f"{DAGENS}.yaml", ["not readable YAML", "utf-8"]),
    (
        "deep-nesting",
        rewrite(lambda text: text + "\nx: " + "[" * 5000 + "]" * 5000 + "\n"),
        f"{DAGENS}.yaml",
        ["not readable YAML"],
    ),
    (
        "javascript-url",
        change_data(_set("article.url", "javascript:alert(1)"), ACTUALNO),
        f"{ACTUALNO}.yaml",
        ["article: field url", "http"],
    ),
    (
        "crlf-in-url",
        change_data(_set("article.url", "https://example.org/a\r\nLink: x"), ACTUALNO),
        f"{ACTUALNO}.yaml",
        ["article: field url", "control characters"],
    ),
    (
        "unit-not-in-the-vocabulary",
        change_data(_set("risks.0.unit", "percent of residents"), ACTUALNO),
        f"{ACTUALNO}.yaml",
        ["record actualno-buryatia-percent-residents-dead", "field unit", "'percent', 'times'"],
    ),
    (
        "two-units-in-one-metric",
        change_data(_set("risks.0.unit", "people"), ACTUALNO),
        f"{ACTUALNO}.yaml",
        ["actualno-buryatia-percent-residents-dead", "field unit", "one metric has one unit"],
    ),
    (
        "not-a-number",
        change_data(_set("risks.0.value", float("nan")), ACTUALNO),
        f"{ACTUALNO}.yaml",
        ["field value", "finite"],
    ),
    (
        "url-used-twice",
        change_data(_same_url_as_dagens, ACTUALNO),
        f"{DAGENS}.yaml",
        ["article: field url", f"also the url of {ACTUALNO}"],
    ),
    ("organisation-id-too-long", _bad_people, "people.yaml", ["field organisations.0.id", "80"]),
]


@pytest.mark.parametrize(
    ("breaks", "file", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
@pytest.mark.parametrize("check", [True, False], ids=["check", "load"])
def test_a_hostile_seed_is_refused_in_one_line_and_nothing_is_written(
    check: bool,
    breaks: Callable[[Path], None],
    file: str,
    expected: list[str],
    seed_copy: Path,
    seeded_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    breaks(seed_copy)
    before = fingerprint(seeded_db)
    args = ["seed", "--dir", str(seed_copy)] + (["--check"] if check else [])
    code, output = run_cli(args, seeded_db, monkeypatch, capsys)
    assert code == 1
    assert output.count("\n") == 1, output
    assert output.startswith("seed refused, nothing was written: ")
    assert "Traceback" not in output
    for part in [file, *expected]:
        assert part in output
    assert fingerprint(seeded_db) == before


def test_the_snapshot_inside_the_seed_still_verifies(seed_copy: Path) -> None:
    """The refusals above are about where the file is: the same text inside seed/ is fine."""
    text = (seed_copy / "articles" / f"{DAGENS}.txt").read_bytes()
    (seed_copy / "articles" / "copy.txt").write_bytes(text)
    edit(seed_copy, DAGENS, _set("article.snapshot.file", "copy.txt"))
    assert hashlib.sha256(text).hexdigest() in article_file(seed_copy).read_text(encoding="utf-8")
    assert any(planned.verified for planned in read_seed(seed_copy).records.values())
