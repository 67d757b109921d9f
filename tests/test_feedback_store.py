"""The feedback store: schema versions and migrations, votes, questions, and a store in trouble."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from functools import partial
from pathlib import Path

import pytest

from bot.feedback.records import Question, Vote
from bot.feedback.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SqliteStore,
    StoreError,
    migrate,
    schema_version,
)
from bot.feedback.writer import BackgroundStore
from tests.support import feedback
from tests.support.databases import someone_elses_database

T0 = 1_700_000_000.0
asked = partial(feedback.asked, at=T0)
"""A question asked at T0 unless `at` says otherwise."""


def vote(answer: str = "what-is-a-tpm", *, user: str = "U1", helpful: bool, at: float = T0) -> Vote:
    return Vote(answer_id=answer, team="T1", user=user, helpful=helpful, at=at)


def columns(conn: sqlite3.Connection, table: str) -> dict[str, bool]:
    """Column name -> NOT NULL, as SQLite reports them."""
    return {row[1]: bool(row[3]) for row in conn.execute(f"PRAGMA table_info({table})")}


# --- schema and migrations ------------------------------------------------------------------


def test_empty_file_is_created_at_the_newest_version_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "rolefit.db"
    store = SqliteStore.open(path)
    store.close()
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION == 4
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"votes", "questions", "schema_version"} <= {
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert columns(conn, "questions")["text"] is False, "text is optional (opt-out)"
    conn.close()


def test_an_existing_zero_byte_file_counts_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "rolefit.db"
    path.write_bytes(b"")
    SqliteStore.open(path).close()
    assert schema_version(sqlite3.connect(path)) == SCHEMA_VERSION


def test_migrates_a_version_1_database_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "rolefit.db"
    conn = sqlite3.connect(path)
    # Version 1 as it shipped, written by hand rather than through MIGRATIONS[0].
    conn.executescript(
        """
        CREATE TABLE schema_version (version INTEGER NOT NULL);
        INSERT INTO schema_version (version) VALUES (1);
        CREATE TABLE votes (
            team TEXT NOT NULL, user TEXT NOT NULL, answer_id TEXT NOT NULL,
            helpful INTEGER NOT NULL, voted_at REAL NOT NULL,
            PRIMARY KEY (team, user, answer_id));
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY, asked_at REAL NOT NULL, team TEXT NOT NULL,
            channel_type TEXT NOT NULL, verdict TEXT NOT NULL, score REAL, text TEXT NOT NULL);
        INSERT INTO votes VALUES ('T1', 'U1', 'what-is-a-tpm', 0, 1700000000.0);
        INSERT INTO questions (asked_at, team, channel_type, verdict, score, text)
            VALUES (1700000001.0, 'T1', 'im', 'none', 20.5, 'how do I onboard a tpm');
        """
    )
    conn.close()

    store = SqliteStore.open(path)
    assert store.votes() == [vote(helpful=False)]
    [old] = store.questions()
    assert old == asked("how do I onboard a tpm", at=1700000001.0, channel_type="im", score=20.5)
    store.add_question(asked(None, at=T0 + 10))
    assert [q.text for q in store.questions()] == ["how do I onboard a tpm", None]
    store.close()
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION
    indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"questions_asked_at", "votes_voted_at"} <= indexes


def test_a_failed_migration_step_leaves_the_previous_version(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    broken = (*MIGRATIONS[:1], ("CREATE TABLE extra (a)", "THIS IS NOT SQL"))
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, migrations=broken)
    assert schema_version(conn) == 1
    assert "extra" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert migrate(conn) == SCHEMA_VERSION


def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "rolefit.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE schema_version (version INTEGER NOT NULL);"
        "INSERT INTO schema_version VALUES (99);"
    )
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SqliteStore.open(path)


def test_refuses_someone_elses_database(tmp_path: Path) -> None:
    path = someone_elses_database(tmp_path / "other.db")
    with pytest.raises(StoreError, match="not a RoleFit"):
        SqliteStore.open(path)
    assert {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")} == {
        "invoices"
    }


# --- votes and questions --------------------------------------------------------------------


def test_a_second_vote_by_the_same_person_replaces_the_first(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "rolefit.db")
    store.add_vote(vote(helpful=True, at=T0))
    store.add_vote(vote(helpful=False, at=T0 + 60))
    store.add_vote(vote(user="U2", helpful=True, at=T0 + 5))
    store.add_vote(vote("other", helpful=True, at=T0 + 6))
    assert sorted(store.votes(), key=lambda v: (v.answer_id, v.user)) == [
        vote("other", helpful=True, at=T0 + 6),
        vote(helpful=False, at=T0 + 60),
        vote(user="U2", helpful=True, at=T0 + 5),
    ]
    assert [v.user for v in store.votes(since=T0 + 30)] == ["U1"]


def test_questions_round_trip_and_filter_by_time(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "rolefit.db")
    answered = asked(
        None,
        at=T0 + 10,
        channel_type="channel",
        verdict="answer",
        score=91.0,
        topic="salary",
        answer_id="pm-vs-tpm-salary",
    )
    help_asked = Question(at=T0 + 20, team="T1", channel_type="im", command="help")
    for question in (asked("old one", at=T0), answered, help_asked):
        store.add_question(question)
    assert store.questions() == [asked("old one", at=T0), answered, help_asked]
    assert store.questions(since=T0 + 10) == [answered, help_asked]
    store.close()


def test_add_many_keeps_a_batch_and_a_later_vote_in_it_wins(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "rolefit.db")
    questions = [asked(f"q{n}", at=T0 + n) for n in range(3)]
    votes = [
        vote(helpful=True, at=T0),
        vote(user="U2", helpful=True),
        vote(helpful=False, at=T0 + 9),
    ]
    assert store.add_many(questions=questions, votes=votes) == []
    assert store.questions() == questions
    assert sorted(store.votes(), key=lambda v: v.user) == [
        vote(helpful=False, at=T0 + 9),
        vote(user="U2", helpful=True),
    ]
    assert store.add_many() == []
    store.close()


def test_add_many_keeps_every_row_of_a_large_batch_in_order(tmp_path: Path) -> None:
    """A batch goes in as multi-row INSERTs of several sizes: none is lost, none reordered."""
    store = SqliteStore.open(tmp_path / "rolefit.db")
    for count in (1, 5, 150):
        questions = [asked(f"q{count}-{n}", at=T0 + count * 1000 + n) for n in range(count)]
        assert store.add_many(questions=questions) == []
        assert store.questions()[-count:] == questions
    assert len(store.questions()) == 156
    store.close()


def test_add_many_skips_and_returns_the_rows_sqlite_refuses(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "rolefit.db")
    # Wrong on purpose: rows SQLite refuses (NOT NULL, a value it cannot bind).
    no_team = Question(at=T0, team=None, channel_type="im", command="ask")  # type: ignore[arg-type]
    unbindable = asked("object", at=object())  # type: ignore[arg-type]
    no_user = Vote(answer_id="a", team="T1", user=None, helpful=True, at=T0)  # type: ignore[arg-type]
    refused = store.add_many(
        questions=[asked("first"), no_team, unbindable, asked("last", at=T0 + 1)],
        votes=[vote(helpful=True), no_user, vote(helpful=False, at=T0 + 2)],
    )
    assert [record for record, _ in refused] == [no_team, unbindable, no_user]
    assert all(isinstance(error, sqlite3.Error) for _, error in refused)
    assert [q.text for q in store.questions()] == ["first", "last"]
    assert store.votes() == [vote(helpful=False, at=T0 + 2)]
    store.close()


def test_add_many_against_a_locked_database_keeps_nothing_and_raises(tmp_path: Path) -> None:
    path = tmp_path / "rolefit.db"
    store = SqliteStore.open(path, busy_timeout=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        store.add_many(questions=[asked("a"), asked("b")], votes=[vote(helpful=True)])
    holder.execute("ROLLBACK")
    assert store.questions() == [] and store.votes() == []
    assert store.add_many(questions=[asked("c")]) == [], "the connection is usable again"
    assert [q.text for q in store.questions()] == ["c"]
    store.close()


# --- the writer thread -----------------------------------------------------------------------


async def test_writes_queue_and_reads_see_them(tmp_path: Path) -> None:
    store = BackgroundStore(lambda: SqliteStore.open(tmp_path / "rolefit.db"), name="test")
    store.add_vote(vote(helpful=True))
    store.add_question(asked("hello"))
    assert await store.read(lambda s: (s.votes(), s.questions())) == (
        [vote(helpful=True)],
        [asked("hello")],
    )
    store.close()
    store.add_vote(vote(helpful=False))  # ignored once closed, without raising
    assert await store.read(lambda s: s.votes()) is None
    reopened = SqliteStore.open(tmp_path / "rolefit.db")
    assert reopened.votes() == [vote(helpful=True)]


async def test_a_store_that_cannot_be_opened_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = BackgroundStore(
        lambda: SqliteStore.open(blocker / "rolefit.db"), name="blocked", reopen_after=0
    )
    with caplog.at_level(logging.WARNING, logger="rolefit.feedback"):
        for n in range(5):
            store.add_vote(vote(helpful=True, at=T0 + n))
            store.add_question(asked("q"))
        assert await asyncio.to_thread(store.flush)
        assert await store.read(lambda s: s.votes()) is None
    warnings = [r for r in caplog.records if r.name == "rolefit.feedback"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "cannot be opened" in warnings[0].getMessage()
    assert not store.healthy
    store.close()


async def test_a_locked_database_is_logged_once_and_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rolefit.db"
    SqliteStore.open(path).close()
    store = BackgroundStore(lambda: SqliteStore.open(path, busy_timeout=0.05), name="locked")
    assert await store.read(lambda s: s.votes()) == []
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.INFO, logger="rolefit.feedback"):
        for n in range(3):
            store.add_vote(vote(user=f"U{n}", helpful=True))
        assert await asyncio.to_thread(store.flush)
        holder.execute("ROLLBACK")
        store.add_vote(vote(user="U9", helpful=False))
        assert await store.read(lambda s: [v.user for v in s.votes()]) == ["U9"]
    messages = [r.getMessage() for r in caplog.records if r.name == "rolefit.feedback"]
    assert len(messages) == 2, messages
    assert "cannot be written" in messages[0]
    assert "works again" in messages[1]
    assert store.healthy
    store.close()


async def test_writes_beyond_the_queue_limit_are_dropped_not_blocking(tmp_path: Path) -> None:
    gate = asyncio.Event()
    loop = asyncio.get_running_loop()
    opened = asyncio.Event()

    def slow_open() -> SqliteStore:
        loop.call_soon_threadsafe(opened.set)
        asyncio.run_coroutine_threadsafe(gate.wait(), loop).result(5)
        return SqliteStore.open(tmp_path / "rolefit.db")

    store = BackgroundStore(slow_open, name="slow", max_pending=3)
    for n in range(10):
        store.add_vote(vote(user=f"U{n}", helpful=True))
    await opened.wait()
    gate.set()
    assert sorted(v.user for v in await store.read(lambda s: s.votes()) or []) == [
        "U0",
        "U1",
        "U2",
    ]
    store.close()


def test_drafts_are_kept_in_order_and_survive_a_reopen(tmp_path: Path) -> None:
    from bot.feedback.records import Draft

    path = tmp_path / "rolefit.db"
    store = SqliteStore.open(path)
    first = Draft(T0, "T1", "U1", "bob", "salary", "Do TPMs earn more?", "tpm pay?", "Often.")
    second = Draft(T0 + 5, "T1", "U2", "carol", "skills", "Q2", "q2", "A2")
    store.add_draft(second)
    store.add_draft(first)
    store.close()
    store = SqliteStore.open(path)
    assert store.drafts() == [first, second]
    assert store.drafts(since=T0 + 1) == [second]
    store.close()
