"""Runs a blocking FeedbackStore on one thread of its own, so recording never delays an answer.

Writes are queued and return at once (safe to call inside an ack). The writer thread lets them
gather for a moment (`batch_delay`) and keeps each gathering in one transaction, so a busy server
pays for one commit per batch instead of one per request. Reads, `flush` and `close` wake it at
once and see every write queued before them.

The store is opened on that thread the first time it is needed; a store that cannot be opened or
written is logged once per outage, not once per request, and answers go on without it.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.feedback.records import Question, Vote
from bot.feedback.store import FeedbackStore, Refusal

logger = logging.getLogger("rolefit.feedback")

T = TypeVar("T")

MAX_PENDING = 10_000
REOPEN_AFTER = 30.0
BATCH_DELAY = 0.1
"""How long the first queued write waits for company before its transaction starts."""
MAX_BATCH = 500
"""Rows per transaction at most, so a backlog never holds the write lock for long."""
REFUSED_LOG_EVERY = 60.0
"""At most one warning this often (seconds) about rows the store refused."""
EXIT_FLUSH_TIMEOUT = 5.0


@dataclass(eq=False)
class _Job:
    """A read (or a flush) for the writer thread, answered through `future` once run."""

    action: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)


_RECORDS = (Question, Vote)

_STOP = object()
"""Queued by `close`: write what came before, close the store, end the thread."""


@dataclass
class _Batch:
    """Writes gathered for one transaction, each kind in the order it was queued."""

    questions: list[Question] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.questions) + len(self.votes)

    def add(self, record: Question | Vote) -> None:
        if isinstance(record, Vote):
            self.votes.append(record)
        else:
            self.questions.append(record)


class BackgroundStore:
    """One writer thread owns the store; `add_*` queue, `read` awaits a result from that thread.

    The first write to arrive waits up to `batch_delay` for others; then everything queued (at
    most `max_batch` rows) goes to `FeedbackStore.add_many` as one batch. At 1,000 requests a
    second that is ~100 rows per commit instead of one.
    """

    def __init__(
        self,
        opener: Callable[[], FeedbackStore],
        *,
        name: str,
        max_pending: int = MAX_PENDING,
        reopen_after: float = REOPEN_AFTER,
        batch_delay: float = BATCH_DELAY,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.name = name
        self._opener = opener
        self._max_pending = max_pending
        self._reopen_after = reopen_after
        self._batch_delay = batch_delay
        self._max_batch = max(1, max_batch)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._urgent = threading.Event()
        self._urgent_queued = 0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._dropping = False
        self._store: FeedbackStore | None = None
        self._next_open = 0.0
        self._failing = False
        self._next_refused_log = 0.0
        self._closed = False

    @property
    def healthy(self) -> bool:
        """False while the store cannot be opened or written (as of the last attempt)."""
        return not self._failing

    def add_vote(self, vote: Vote) -> None:
        self._enqueue(vote)

    def add_question(self, question: Question) -> None:
        self._enqueue(question)

    async def read(self, query: Callable[[FeedbackStore], T], *, timeout: float = 5.0) -> T | None:
        """Run `query` on the writer thread after the writes queued before it; None on failure."""
        return await self._await(query, writing=False, timeout=timeout)

    async def write(
        self, action: Callable[[FeedbackStore], T], *, timeout: float = 5.0
    ) -> T | None:
        """Run `action` now and await it, for a row the caller must know was kept (a draft)."""
        return await self._await(action, writing=True, timeout=timeout)

    async def _await(
        self, action: Callable[[FeedbackStore], T], *, writing: bool, timeout: float
    ) -> T | None:
        job = self._urgently(lambda: self._run(action, writing=writing))
        if job is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.wrap_future(job.future), timeout)
        except TimeoutError:
            what = "a write" if writing else "a read"
            logger.warning("feedback store %s: %s took over %ss", self.name, what, timeout)
            return None

    async def ping(self) -> bool:
        """True when the store answers a trivial query now (for /healthz).

        Asked on the writer thread, which owns the store, after the writes queued so far: a
        writer stuck on a database that does not answer is down too. The caller sets the
        deadline; a ping it gave up on is skipped. Outages are logged by the caller, so probes
        add nothing to this store's own log.
        """
        job = self._urgently(self._ping_store)
        if job is None:
            return False
        return bool(await asyncio.wrap_future(job.future))

    def _ping_store(self) -> bool:
        store = self._ensure_open()
        return store is not None and store.ping()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every write queued so far has been tried; False if that took too long."""
        job = self._urgently(lambda: None)
        if job is None:
            return True
        try:
            job.future.result(timeout)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        """Finish the queued writes and close the store."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._put_urgent(_STOP)
        atexit.unregister(self._flush_at_exit)
        if thread is not None:
            self._urgent.set()
            thread.join()

    # --- the caller's side ------------------------------------------------------------------

    def _enqueue(self, record: Question | Vote) -> None:
        """Never blocks and never raises: a full backlog drops the write (one warning)."""
        with self._lock:
            if self._closed:
                return
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
            if self._thread is None and not self._start():
                return
            self._pending += 1
            self._queue.put(record)

    def _urgently(self, action: Callable[[], Any]) -> _Job | None:
        """Queue a job behind the writes so far and wake the writer; None once closed."""
        job = _Job(action)
        with self._lock:
            if self._closed:
                return None
            if self._thread is None and not self._start():
                return None
            self._put_urgent(job)
        self._urgent.set()
        return job

    def _put_urgent(self, item: object) -> None:
        """With the lock held. Counted, so the writer never lingers while one is queued."""
        self._urgent_queued += 1
        self._queue.put(item)

    def _start(self) -> bool:
        """Called with the lock held, on first use, so unused stores cost no thread."""
        thread = threading.Thread(target=self._serve, name="rolefit-feedback", daemon=True)
        try:
            thread.start()
        except RuntimeError as error:  # out of threads: drop this write, try again next time
            self._trouble("has no writer thread", error)
            return False
        self._thread = thread
        atexit.register(self._flush_at_exit)
        return True

    def _flush_at_exit(self) -> None:
        """The thread is a daemon (an unclosed store must not hang exit); keep its last writes."""
        self.flush(EXIT_FLUSH_TIMEOUT)

    # --- the writer thread --------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            first = self._queue.get()
            if self._may_wait_for_company(first):
                self._urgent.wait(self._batch_delay)
            try:
                if not self._work(first):
                    return
            except Exception:
                logger.exception("feedback store %s: the writer thread hit a bug", self.name)

    def _may_wait_for_company(self, first: object) -> bool:
        """Gather more writes first, unless a read, flush or close is queued or rows pile up."""
        with self._lock:
            if self._urgent_queued:
                return False
            self._urgent.clear()  # under the lock: a job queued from now on sets it again
        return (
            self._batch_delay > 0
            and isinstance(first, _RECORDS)
            and self._queue.qsize() < self._max_batch
        )

    def _work(self, first: object) -> bool:
        """Handle `first` and what is queued now, in order; False once `close` asked to stop."""
        batch = _Batch()
        item = first
        while True:
            if isinstance(item, _RECORDS):
                batch.add(item)
                if len(batch) >= self._max_batch:
                    self._write(batch)
                    return True
            else:
                self._write(batch)
                batch = _Batch()
                with self._lock:
                    self._urgent_queued -= 1
                if item is _STOP:
                    self._close_store()
                    return False
                if isinstance(item, _Job):
                    self._answer(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                self._write(batch)
                return True

    def _answer(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return  # a read that timed out and was given up on
        try:
            job.future.set_result(job.action())
        except Exception as error:
            job.future.set_exception(error)

    def _write(self, batch: _Batch) -> None:
        if not batch:
            return
        try:
            refused = self._run(
                lambda store: store.add_many(questions=batch.questions, votes=batch.votes),
                writing=True,
            )
            if refused:
                self._log_refused(refused, of=len(batch))
        finally:
            with self._lock:
                self._pending -= len(batch)
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

    def _log_refused(self, refused: list[Refusal], *, of: int) -> None:
        """Rows the store refused are a bug, not an outage: say so, but not for every batch."""
        now = time.monotonic()
        if now < self._next_refused_log:
            return
        self._next_refused_log = now + REFUSED_LOG_EVERY
        record, error = refused[0]
        logger.warning(
            "feedback store %s refused %s of %s rows, kept the rest (first: %s %s: %s)",
            self.name,
            len(refused),
            of,
            type(record).__name__,
            type(error).__name__,
            error,
        )

    def _close_store(self) -> None:
        if self._store is not None:
            try:
                self._store.close()
            except Exception as error:
                logger.debug("closing the feedback store: %s", error)
            self._store = None
