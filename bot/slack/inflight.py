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

from slack_bolt.async_app import AsyncApp
from slack_bolt.lazy_listener.async_internals import to_runnable_function
from slack_bolt.lazy_listener.asyncio_runner import AsyncioLazyListenerRunner
from slack_bolt.request.async_request import AsyncBoltRequest

logger = logging.getLogger("rolefit.inflight")

CANCEL_GRACE = 1.0


class InFlight:
    """Tasks to wait for on shutdown; `closing` tells the front door to stop taking requests."""

    def __init__(self) -> None:
        self.closing = False
        self._tasks: set[asyncio.Future[None]] = set()
        self.reading: set[asyncio.Task[object]] = set()
        """Requests still being read and checked: not work yet, so shutdown cancels them."""

    def __len__(self) -> int:
        return sum(1 for task in self._tasks if not task.done())

    def track(self, task: asyncio.Future[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def track_current(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.reading.discard(task)
            self.track(task)

    def reading_current(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.reading.add(task)
            task.add_done_callback(self.reading.discard)

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
    """Bolt's asyncio lazy listener runner, except that every task it starts is tracked."""

    def __init__(self, logger: logging.Logger, inflight: InFlight) -> None:
        super().__init__(logger)
        self.inflight = inflight

    def start(self, function: Callable[..., Awaitable[None]], request: AsyncBoltRequest) -> None:
        task = asyncio.ensure_future(
            to_runnable_function(internal_func=function, logger=self.logger, request=request)
        )
        self.inflight.track(task)


def inflight_of(bolt_app: AsyncApp) -> InFlight:
    """The app's InFlight record, installing the tracking lazy runner the first time."""
    runner = bolt_app.listener_runner
    lazy = runner.lazy_listener_runner
    if isinstance(lazy, TrackingLazyListenerRunner):
        return lazy.inflight
    tracking = TrackingLazyListenerRunner(lazy.logger, InFlight())
    runner.lazy_listener_runner = tracking
    return tracking.inflight
