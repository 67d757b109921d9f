"""The writer thread gathers queued writes into batches: one transaction each, nothing lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from bot.feedback.records import Question, Vote
from bot.feedback.store import FeedbackStore, Refusal, SqliteStore
from bot.feedback.writer import BackgroundStore

T0 = 1_700_000_000.0
FOREVER = 30.0
"""A batch delay longer than any flush or read timeout here: only their wake-up can end it, and
a missed wake-up fails the test (flush() is False, read() is None) instead of hanging it."""


def asked(n: int, *, team: str = "T1") -> Question:
    return Question(at=T0 + n, team=team, channel_type="command", command="ask", text=f"q{n}")


def vote(user: str, *, helpful: bool, at: float = T0) -> Vote:
    return Vote(answer_id="what-is-a-tpm", team="T1", user=user, helpful=helpful, at=at)


class CountingStore(SqliteStore):
    """A SqliteStore that remembers how many rows each batch brought."""

    batches: list[int]

    def add_many(
        self, *, questions: Sequence[Question] = (), votes: Sequence[Vote] = ()
    ) -> list[Refusal]:
        self.batches.append(len(questions) + len(votes))
        return super().add_many(questions=questions, votes=votes)


class Gate:
    """An opener that holds the writer thread until released, so a test decides what queues up."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opening = threading.Event()
        self.release = threading.Event()
        self.store: CountingStore | None = None

    def __call__(self) -> CountingStore:
        self.opening.set()
        assert self.release.wait(10)
        store = CountingStore.open(self.path)
        store.batches = []
        self.store = store
        return store

    def hold(self, background: BackgroundStore) -> None:
        """Queue a first row, flush it from a thread, and wait until the writer is stuck opening
        the store for it: whatever the test queues next waits in line, in the order queued."""
        background.add_question(asked(-1))
        threading.Thread(target=background.flush, args=(10,), daemon=True).start()
        assert self.opening.wait(10)


def held(path: Path, *, name: str, **limits: int) -> tuple[Gate, BackgroundStore]:
    """A writer stuck opening its store (see Gate.hold) until the test sets `gate.release`."""
    gate = Gate(path)
    background = BackgroundStore(gate, name=name, batch_delay=FOREVER, **limits)
    gate.hold(background)
    return gate, background


def on_disk(path: Path) -> tuple[list[Question], list[Vote]]:
    """What a connection of the test's own finds in the file."""
    store = SqliteStore.open(path)
    try:
        return store.questions(), store.votes()
    finally:
        store.close()


def feedback_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "rolefit.feedback"]


def test_a_backlog_is_written_in_capped_batches_and_every_row_lands(tmp_path: Path) -> None:
    path = tmp_path / "rolefit.db"
    gate, background = held(path, name="batched", max_batch=100)
    for n in range(240):
        background.add_question(asked(n))
    for n in range(10):
        background.add_vote(vote(f"U{n}", helpful=True))
    gate.release.set()
    assert background.flush()
    assert gate.store is not None
    assert gate.store.batches == [1, 100, 100, 50]
    questions, votes = on_disk(path)
    assert questions == [asked(n) for n in range(-1, 240)]
    assert sorted(v.user for v in votes) == sorted(f"U{n}" for n in range(10))
    background.close()


def test_poison_rows_cost_only_themselves_and_are_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rolefit.db"
    gate, background = held(path, name="poisoned")
    poison = asked(2, team=None)  # type: ignore[arg-type]  # a row the database must refuse
    with caplog.at_level(logging.INFO, logger="rolefit.feedback"):
        for question in (asked(1), poison, asked(3)):
            background.add_question(question)
        background.add_vote(vote("U1", helpful=True))
        background.add_vote(vote("U1", helpful=False, at=T0 + 5))
        gate.release.set()
        assert background.flush()
        background.add_question(poison)
        background.add_question(asked(4))
        assert background.flush()
    assert gate.store is not None
    assert gate.store.batches == [1, 5, 2], "the poisoned batches went in whole, not split up"
    questions, votes = on_disk(path)
    assert [q.text for q in questions] == ["q-1", "q1", "q3", "q4"]
    assert votes == [vote("U1", helpful=False, at=T0 + 5)], "the later click in a batch wins"
    [warning] = feedback_logs(caplog)
    assert "refused 1 of 5 rows" in warning and "IntegrityError" in warning
    assert background.healthy
    background.close()


async def test_a_read_wakes_the_writer_and_sees_every_earlier_write(tmp_path: Path) -> None:
    path = tmp_path / "rolefit.db"
    background = BackgroundStore(lambda: SqliteStore.open(path), name="r", batch_delay=FOREVER)
    for n in range(5):
        background.add_question(asked(n))
    background.add_vote(vote("U1", helpful=True))
    background.add_vote(vote("U1", helpful=False, at=T0 + 1))
    assert await background.read(lambda s: (s.questions(), s.votes())) == (
        [asked(n) for n in range(5)],
        [vote("U1", helpful=False, at=T0 + 1)],
    )
    background.add_question(asked(5))
    assert background.flush()
    assert len(on_disk(path)[0]) == 6
    background.close()


async def test_close_writes_what_is_queued_then_ignores_callers(tmp_path: Path) -> None:
    path = tmp_path / "rolefit.db"
    gate, background = held(path, name="c")
    for n in range(50):
        background.add_question(asked(n))
    background.add_vote(vote("U1", helpful=True))
    threading.Timer(0.2, gate.release.set).start()  # close() must wait for the slow store
    background.close()
    assert on_disk(path) == ([asked(n) for n in range(-1, 50)], [vote("U1", helpful=True)])
    background.add_question(asked(99))
    assert background.flush() is True
    assert await background.read(lambda s: s.questions()) is None
    background.close()
    assert on_disk(path)[0] == [asked(n) for n in range(-1, 50)], "nothing after close"


def test_after_a_dropped_backlog_drains_new_writes_are_taken_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rolefit.db"
    gate, background = held(path, name="full", max_pending=4)
    with caplog.at_level(logging.WARNING, logger="rolefit.feedback"):
        for n in range(10):
            background.add_question(asked(n))
        gate.release.set()
        assert background.flush()
        background.add_question(asked(10))
        assert background.flush()
    assert [q.text for q in on_disk(path)[0]] == ["q-1", "q0", "q1", "q2", "q10"]
    assert len(feedback_logs(caplog)) == 1
    background.close()


async def test_a_read_given_up_on_does_not_break_the_writer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rolefit.db"
    gate, background = held(path, name="slow")
    with caplog.at_level(logging.WARNING, logger="rolefit.feedback"):
        assert await background.read(lambda s: s.questions(), timeout=0.01) is None
        gate.release.set()
        assert await background.read(lambda s: [q.text for q in s.questions()]) == ["q-1"]
    assert [m for m in feedback_logs(caplog) if "over" not in m] == []
    background.close()


class ListStore(FeedbackStore):
    """A store without transactions: it inherits the protocol's one-row-at-a-time add_many."""

    def __init__(self) -> None:
        self.kept: list[Question | Vote] = []

    def add_vote(self, vote: Vote) -> None:
        self.kept.append(vote)

    def add_question(self, question: Question) -> None:
        self.kept.append(question)

    def votes(self, *, since: float | None = None) -> list[Vote]:
        return [r for r in self.kept if isinstance(r, Vote)]

    def questions(self, *, since: float | None = None) -> list[Question]:
        return [r for r in self.kept if isinstance(r, Question)]

    def close(self) -> None:
        self.kept.clear()


async def test_any_feedback_store_works_behind_the_writer() -> None:
    opener: Callable[[], FeedbackStore] = ListStore
    background = BackgroundStore(opener, name="memory", batch_delay=FOREVER)
    background.add_question(asked(1))
    background.add_vote(vote("U1", helpful=True))
    assert await background.read(lambda s: (s.questions(), s.votes())) == (
        [asked(1)],
        [vote("U1", helpful=True)],
    )
    background.close()
