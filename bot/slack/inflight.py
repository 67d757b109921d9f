"""Work the app still owes someone, so that stopping finishes it instead of dropping it.

Bolt acks an event at once and answers from a lazy listener: an `asyncio` task nobody holds, which
a plain shutdown cancels (and which the garbage collector may even collect early). Here Bolt's lazy
listener runner is replaced by one that keeps every such task in an `InFlight` set, next to the
request handlers themselves, and `drain(timeout)` waits for all of them, then cancels what is left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.lazy_listener.async_internals import to_runnable_function
from slack_bolt.lazy_listener.asyncio_runner import AsyncioLazyListenerRunner
from slack_bolt.request.async_request import AsyncBoltRequest

logger = logging.getLogger("rolefit.inflight")

CANCEL_GRACE = 1.0
REPLY_WORKERS = 32
"""Background replies running at once."""
REPLY_QUEUE = 500
"""Background replies waiting for a worker; past this, a new one is dropped (and counted)."""
REPLY_DEADLINE = 30.0
"""Seconds one background reply may take in all, Web API retries included."""


class InFlight:
    """Tasks to wait for on shutdown; `closing` tells the front door to stop taking requests."""

    def __init__(self) -> None:
        self.closing = False
        self.replies_waiting = 0
        self.replies_dropped = 0
        self._tasks: set[asyncio.Future[None]] = set()
        self.reading: set[asyncio.Task[object]] = set()
        """Requests still being read and checked: not work yet, so shutdown cancels them."""

    def __len__(self) -> int:
        return sum(1 for task in self._tasks if not task.done())

    def track(self, task: asyncio.Future[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def track_current(self) -> None:
        self.admitted(asyncio.current_task())

    def reading_current(self) -> asyncio.Task[Any] | None:
        """The current task, recorded as a request still being read; `admitted` takes it on.

        One look-up serves both steps (in Python 3.11 each look-up of the current task is a
        getpid system call), and one done callback forgets the task from both records."""
        task = asyncio.current_task()
        if task is not None:
            self.reading.add(task)
            task.add_done_callback(self._forget)
        return task

    def admitted(self, task: asyncio.Task[Any] | None) -> None:
        """The request `task` was reading is work now: shutdown waits for it."""
        if task is None:
            return
        if task in self.reading:
            self.reading.discard(task)
            self._tasks.add(task)
        else:
            self.track(task)

    def _forget(self, task: asyncio.Future[Any]) -> None:
        self.reading.discard(task)
        self._tasks.discard(task)

    async def drain(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for everything tracked; cancel the rest; return how many."""
        self.closing = True
        for reader in list(self.reading):
            reader.cancel()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        me = asyncio.current_task()
        while True:
            pending = {task for task in self._tasks if not task.done() and task is not me}
            remaining = deadline - loop.time()
            if not pending or remaining <= 0:
                break
            await asyncio.wait(pending, timeout=remaining)
        if pending:
            logger.warning(
                "shutdown: %d request(s) still running after %.0f s were cancelled",
                len(pending),
                timeout,
            )
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=CANCEL_GRACE)
        return len(pending)


class TrackingLazyListenerRunner(AsyncioLazyListenerRunner):
    """Bolt's asyncio lazy listener runner, bounded: every task it starts is tracked, at most
    REPLY_WORKERS run at once, REPLY_QUEUE more wait, the rest are dropped, and each one stops
    after REPLY_DEADLINE seconds. When Slack's Web API stalls, replies pile up here rather than
    as unbounded sleeping tasks holding sockets."""

    def __init__(
        self,
        logger: logging.Logger,
        inflight: InFlight,
        *,
        workers: int = REPLY_WORKERS,
        queue: int = REPLY_QUEUE,
        deadline: float = REPLY_DEADLINE,
    ) -> None:
        super().__init__(logger)
        self.inflight = inflight
        self.limit = workers + queue
        self.deadline = deadline
        self._workers = asyncio.Semaphore(workers)

    def start(self, function: Callable[..., Awaitable[None]], request: AsyncBoltRequest) -> None:
        inflight = self.inflight
        if inflight.replies_waiting >= self.limit:
            inflight.replies_dropped += 1
            logger.warning(
                "reply queue full (%d): a reply was dropped (%d so far)",
                self.limit,
                inflight.replies_dropped,
            )
            return
        inflight.replies_waiting += 1
        self.inflight.track(asyncio.ensure_future(self._run(function, request)))

    async def _run(
        self, function: Callable[..., Awaitable[None]], request: AsyncBoltRequest
    ) -> None:
        try:
            async with self._workers, asyncio.timeout(self.deadline):
                await to_runnable_function(
                    internal_func=function, logger=self.logger, request=request
                )
        except TimeoutError:
            logger.warning("a reply was stopped after %.0f s", self.deadline)
        finally:
            self.inflight.replies_waiting -= 1


def inflight_of(bolt_app: AsyncApp) -> InFlight:
    """The app's InFlight record, installing the tracking lazy runner the first time."""
    runner = bolt_app.listener_runner
    lazy = runner.lazy_listener_runner
    if isinstance(lazy, TrackingLazyListenerRunner):
        return lazy.inflight
    tracking = TrackingLazyListenerRunner(lazy.logger, InFlight())
    runner.lazy_listener_runner = tracking
    return tracking.inflight
