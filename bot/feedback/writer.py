"""Runs a blocking FeedbackStore on one thread of its own, so recording never delays an answer.

Writes are queued and return at once (safe to call inside an ack). The store is opened on that
thread the first time it is needed; a store that cannot be opened or written is logged once per
outage, not once per request, and answers go on without it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from bot.feedback.records import Question, Vote
from bot.feedback.store import FeedbackStore

logger = logging.getLogger("rolefit.feedback")

T = TypeVar("T")

MAX_PENDING = 10_000
REOPEN_AFTER = 30.0


class BackgroundStore:
    """One writer thread owns the store; `add_*` queue, `read` awaits a result from that thread."""

    def __init__(
        self,
        opener: Callable[[], FeedbackStore],
        *,
        name: str,
        max_pending: int = MAX_PENDING,
        reopen_after: float = REOPEN_AFTER,
    ) -> None:
        self.name = name
        self._opener = opener
        self._max_pending = max_pending
        self._reopen_after = reopen_after
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rolefit-feedback")
        self._lock = threading.Lock()
        self._pending = 0
        self._dropping = False
        self._store: FeedbackStore | None = None
        self._next_open = 0.0
        self._failing = False
        self._closed = False

    @property
    def healthy(self) -> bool:
        """False while the store cannot be opened or written (as of the last attempt)."""
        return not self._failing

    def add_vote(self, vote: Vote) -> None:
        self._submit(lambda store: store.add_vote(vote))

    def add_question(self, question: Question) -> None:
        self._submit(lambda store: store.add_question(question))

    async def read(self, query: Callable[[FeedbackStore], T], *, timeout: float = 5.0) -> T | None:
        """Run `query` on the writer thread after the writes queued before it; None on failure."""
        if self._closed:
            return None
        future = self._executor.submit(self._run, query, writing=False)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except TimeoutError:
            logger.warning("feedback store %s: a read took over %ss", self.name, timeout)
            return None

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every write queued so far has been tried; False if that took too long."""
        if self._closed:
            return True
        done: Future[None] = self._executor.submit(lambda: None)
        try:
            done.result(timeout)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        """Finish the queued writes and close the store."""
        if self._closed:
            return
        self._closed = True
        self._executor.submit(self._close_store)
        self._executor.shutdown(wait=True)

    def _submit(self, write: Callable[[FeedbackStore], None]) -> None:
        if self._closed:
            return
        with self._lock:
            if self._pending >= self._max_pending:
                if not self._dropping:
                    self._dropping = True
                    logger.warning(
                        "feedback store %s: %s writes waiting, dropping new ones until it catches "
                        "up",
                        self.name,
                        self._pending,
                    )
                return
            self._pending += 1
        self._executor.submit(self._write, write)

    def _write(self, write: Callable[[FeedbackStore], None]) -> None:
        try:
            self._run(write, writing=True)
        finally:
            with self._lock:
                self._pending -= 1
                if self._pending == 0:
                    self._dropping = False

    def _run(self, action: Callable[[FeedbackStore], T], *, writing: bool) -> T | None:
        """Only a write that works ends an outage: a read-only file still serves reads."""
        store = self._ensure_open()
        if store is None:
            return None
        try:
            result = action(store)
        except Exception as error:
            self._trouble("cannot be written" if writing else "cannot be read", error)
            return None
        if writing:
            self._recovered()
        return result

    def _ensure_open(self) -> FeedbackStore | None:
        if self._store is not None:
            return self._store
        now = time.monotonic()
        if now < self._next_open:
            return None
        try:
            self._store = self._opener()
        except Exception as error:
            self._next_open = now + self._reopen_after
            self._trouble("cannot be opened", error)
            return None
        return self._store

    def _trouble(self, what: str, error: Exception) -> None:
        if self._failing:
            return
        self._failing = True
        logger.warning(
            "feedback store %s %s (%s: %s); answers go on, feedback is not being recorded",
            self.name,
            what,
            type(error).__name__,
            error,
        )

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            logger.info("feedback store %s works again", self.name)

    def _close_store(self) -> None:
        if self._store is not None:
            try:
                self._store.close()
            except Exception as error:
                logger.debug("closing the feedback store: %s", error)
            self._store = None
