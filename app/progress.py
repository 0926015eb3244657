"""Whether the current request is moving forward: shared by the request guard (which waits on
it), the engine (a completed statement is progress) and long loops such as exports.

Context variables follow the request into the thread pool, so sync code can report progress."""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class Progress:
    last: float = field(default_factory=time.monotonic)
    # Set once the guard has answered 503 and left the work to finish unobserved.
    abandoned: bool = False

    def touch(self) -> None:
        self.last = time.monotonic()


PROGRESS: ContextVar[Progress | None] = ContextVar("desertion_progress", default=None)


def touch_progress() -> None:
    """Mark the current request as making progress (a statement completed, a batch written)."""
    progress = PROGRESS.get()
    if progress is not None:
        progress.touch()


def abandoned() -> bool:
    """True when nobody waits for this request's answer any more (it was already answered)."""
    progress = PROGRESS.get()
    return progress is not None and progress.abandoned
