"""Admission control and a stall watchdog: the server answers, slower or with a 503, but never
hangs.

* **Admission.** At most ``capacity`` requests (the connection pool's size plus its overflow) work
  on the database at once. The others wait their turn, in order, for up to ``queue_timeout``
  seconds, then get ``503`` with ``Retry-After``. So no request ever waits on a pool checkout that
  only the event loop could satisfy (the deadlock of issue 7), and overload fails fast instead of
  piling up.
* **Watchdog.** A request that makes no progress for ``stall_timeout`` seconds (no statement
  completed, no batch written: see ``touch_progress``) is answered ``503`` at once, and its work is
  left to finish in the background, still holding its slot and connection. That is how a hung
  database (PostgreSQL stopped with SIGSTOP answers no query and times out nothing) becomes a
  prompt 503 instead of a hang, and why long CSV exports, which progress batch by batch, are not
  cut short.

Liveness (``/healthz``) and metrics are outside the guard: they touch no database. A response
that needs the database no more before it is sent (an export from its file in the export cache)
gives its slot back early (``RELEASE_KEY``): a slow client downloading a file must not keep
every other read waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import service_unavailable
from app.progress import PROGRESS, Progress

logger = logging.getLogger("desertion_api")

# In the scope of an admitted request: a callable giving its slot back now (once; later calls do
# nothing), for a layer that has done its last database work before the response streams.
RELEASE_KEY = "desertion.release_slot"


@dataclass(frozen=True)
class GuardLimits:
    capacity: int
    queue_timeout: float
    stall_timeout: float
    retry_after: int


class RequestGuard:
    """Pure ASGI middleware applying admission control and the watchdog to ``prefixes``."""

    def __init__(self, app: ASGIApp, limits: GuardLimits, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.limits = limits
        self.prefixes = prefixes
        self._slots: asyncio.Semaphore | None = None

    @property
    def slots(self) -> asyncio.Semaphore:
        # Made on first use, inside the server's event loop.
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limits.capacity)
        return self._slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        slots = self.slots
        try:
            await asyncio.wait_for(slots.acquire(), self.limits.queue_timeout)
        except TimeoutError:
            logger.warning("overloaded: no database slot within %ss", self.limits.queue_timeout)
            await self._unavailable(
                scope, receive, send, "overloaded", "the server is busy; retry shortly"
            )
            return
        await self._guarded(scope, receive, send, slots)

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, slots: asyncio.Semaphore
    ) -> None:
        progress = Progress()
        started = asyncio.Event()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                slots.release()

        scope[RELEASE_KEY] = release

        async def guarded_send(message: Message) -> None:
            if progress.abandoned:
                return
            if message["type"] == "http.response.start":
                started.set()
            await send(message)

        async def guarded_receive() -> Message:
            if progress.abandoned:
                return {"type": "http.disconnect"}
            return await receive()

        async def work() -> None:
            PROGRESS.set(progress)  # the task runs in a copy of the context: no reset needed
            try:
                await self.app(scope, guarded_receive, guarded_send)
            finally:
                release()

        task = asyncio.create_task(work())
        answered = asyncio.ensure_future(started.wait())
        try:
            while not task.done() and not started.is_set():
                remaining = progress.last + self.limits.stall_timeout - time.monotonic()
                if remaining <= 0:
                    progress.abandoned = True
                    task.add_done_callback(_log_late_failure)
                    logger.warning(
                        "database stalled: no progress for %ss on %s",
                        self.limits.stall_timeout,
                        scope["path"],
                    )
                    await self._unavailable(
                        scope,
                        receive,
                        send,
                        "database_unavailable",
                        "the database did not answer in time; retry shortly",
                    )
                    return
                await asyncio.wait(
                    {task, answered}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
            await task  # the response has started (or the work failed): finish it unguarded
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            answered.cancel()

    async def _unavailable(
        self, scope: Scope, receive: Receive, send: Send, code: str, detail: str
    ) -> None:
        response = service_unavailable(Request(scope), code, detail, self.limits.retry_after)
        await response(scope, receive, send)


def _log_late_failure(task: asyncio.Task[None]) -> None:
    """An abandoned request's unhandled error reaches no error middleware: one line for it."""
    if not task.cancelled() and (exc := task.exception()) is not None:
        logger.warning("abandoned request failed late: %s", type(exc).__name__)
