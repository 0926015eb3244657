"""Progress bars: drawn for someone at a terminal, never in a pipe, in CI or under --quiet."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

from app import console
from app.cli import main as cli


def test_a_terminal_shows_rows_per_second_and_the_step() -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120)
    with console.progress("importing", 1000, console=terminal) as advance:
        advance(400)
        advance(600)
    drawn = screen.getvalue()
    assert "importing" in drawn
    assert "1000/1000" in drawn
    assert "rows/s" in drawn


@pytest.mark.parametrize(
    ("tty", "ci", "quiet", "expected"),
    [
        (True, None, False, True),
        (False, None, False, False),
        (True, "true", False, False),
        (True, None, True, False),
    ],
)
def test_a_bar_only_for_a_terminal_outside_ci_without_quiet(
    tty: bool, ci: str | None, quiet: bool, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert console.wanted(quiet) is expected


def test_quiet_prints_nothing_at_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("CI", raising=False)
    with console.progress("importing", 10, quiet=True) as advance:
        advance(10)
    assert capsys.readouterr().out == ""


def test_seed_check_prints_its_one_line_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["seed", "--check", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("seed ok: ")
    assert out.count("\n") == 1
