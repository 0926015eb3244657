"""Progress bars for long commands (import, export, seed, the benchmark): rows done, rows per
second and the time left, drawn by ``rich.progress`` on a terminal.

A bar is only for someone watching: it is not drawn when standard output is not a terminal
(a pipe, a log file, a test), in CI (the ``CI`` variable is set) or under ``--quiet``. Then the
commands print what they always printed, and nothing else.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

Advance = Callable[[int], None]


def wanted(quiet: bool = False) -> bool:
    """Whether to draw progress: a terminal, not CI, not ``--quiet``."""
    return not quiet and not os.environ.get("CI") and sys.stdout.isatty()


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s", style="progress.data.speed")


@contextmanager
def progress(
    description: str, total: int | None, quiet: bool = False, console: Console | None = None
) -> Iterator[Advance]:
    """A bar for one long step; yields ``advance(rows)``. ``total`` None when not known ahead
    (no time left is shown then). With ``console`` given the bar is drawn there regardless of
    the terminal test (how the tests see it)."""
    if console is None and not wanted(quiet):
        yield lambda _: None
        return
    columns: list[ProgressColumn] = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RowsPerSecond(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(description, total=total)
        yield lambda rows: bar.advance(task, rows)
