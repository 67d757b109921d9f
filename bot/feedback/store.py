"""Where votes and questions are kept: a small Protocol, and SQLite with versioned migrations.

The Protocol is blocking on purpose: any database can implement it in a few lines, and
`bot.feedback.writer.BackgroundStore` runs it on a thread of its own so Slack never waits on it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Protocol, Self

from bot.database import OAUTH_TABLES
from bot.feedback.records import Draft, Question, Vote

BUSY_TIMEOUT = 5.0

Refusal = tuple[Question | Vote, Exception]
"""A row the store would not keep, and why."""

# What one row can cause (NOT NULL, a value SQLite cannot bind, an integer too big). Anything
# else, such as OperationalError (locked, read-only, disk full), is about the whole database.
ROW_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
    OverflowError,
    TypeError,
    ValueError,
)


class StoreError(Exception):
    """The database is there but RoleFit must not use it (someone else's, or from the future)."""


class FeedbackStore(Protocol):
    """What RoleFit needs from a feedback database. Calls may block; callers keep them off-loop."""

    def add_vote(self, vote: Vote) -> None:
        """Keep a vote; the same person voting on the same answer again replaces it."""

    def add_question(self, question: Question) -> None: ...

    def add_many(
        self, *, questions: Sequence[Question] = (), votes: Sequence[Vote] = ()
    ) -> list[Refusal]:
        """Keep many rows at once, in one transaction where the database has them; the writer
        thread sends everything it gathered here, so a busy bot commits once per batch.

        Rows the store refuses (a bad value, a broken constraint) are skipped and returned with
        their errors, and the others kept. An error about the store itself (locked, read-only,
        gone) is raised. A store that subclasses FeedbackStore inherits this version, which adds
        the rows one at a time and counts every error as the store's own.
        """
        for question in questions:
            self.add_question(question)
        for vote in votes:
            self.add_vote(vote)
        return []

    def votes(self, *, since: float | None = None) -> list[Vote]:
        """Votes cast (or last changed) at or after `since`, a Unix time; None for all."""
        ...

    def questions(self, *, since: float | None = None) -> list[Question]: ...

    def add_draft(self, draft: Draft) -> None:
        """Keep an expert's answer for review (`rolefit drafts export`)."""

    def drafts(self, *, since: float | None = None) -> list[Draft]:
        """Drafts written at or after `since`, oldest first; None for all."""
        ...

    def ping(self) -> bool:
        """True when the database answers now (for /healthz); a store that subclasses
        FeedbackStore inherits this version, for a database that cannot go away."""
        return True

    def close(self) -> None: ...


# Forward migrations: MIGRATIONS[n] takes the schema from version n to n + 1, in one transaction.
# Version 1 kept votes and unanswered questions (text required). Version 2 keeps every request
# (for usage counts) with the text optional (ROLEFIT_RECORD_QUESTIONS=0), and indexes by time.

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE votes (
            team TEXT NOT NULL,
            user TEXT NOT NULL,
            answer_id TEXT NOT NULL,
            helpful INTEGER NOT NULL,
            voted_at REAL NOT NULL,
            PRIMARY KEY (team, user, answer_id)
        )""",
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            asked_at REAL NOT NULL,
            team TEXT NOT NULL,
            channel_type TEXT NOT NULL,
            verdict TEXT NOT NULL,
            score REAL,
            text TEXT NOT NULL
        )""",
    ),
    (
        """CREATE TABLE questions_v2 (
            id INTEGER PRIMARY KEY,
            asked_at REAL NOT NULL,
            team TEXT NOT NULL,
            channel_type TEXT NOT NULL,
            command TEXT NOT NULL,
            verdict TEXT,
            score REAL,
            topic TEXT,
            answer_id TEXT,
            text TEXT
        )""",
        """INSERT INTO questions_v2
            (id, asked_at, team, channel_type, command, verdict, score, text)
            SELECT id, asked_at, team, channel_type, 'ask', verdict, score, text FROM questions""",
        "DROP TABLE questions",
        "ALTER TABLE questions_v2 RENAME TO questions",
        "CREATE INDEX questions_asked_at ON questions (asked_at)",
        "CREATE INDEX votes_voted_at ON votes (voted_at)",
    ),
    (
        """CREATE TABLE drafts (
            id INTEGER PRIMARY KEY,
            answered_at REAL NOT NULL,
            team TEXT NOT NULL,
            expert TEXT NOT NULL,
            expert_name TEXT NOT NULL,
            topic TEXT NOT NULL,
            question TEXT NOT NULL,
            asked TEXT NOT NULL,
            answer TEXT NOT NULL
        )""",
        "CREATE INDEX drafts_answered_at ON drafts (answered_at)",
    ),
    ("ALTER TABLE votes ADD COLUMN place TEXT NOT NULL DEFAULT ''",),
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """0 for an empty database; StoreError for one that holds tables that are not RoleFit's.

    slack-sdk's installation and OAuth state tables (distribution mode) may live beside ours.
    """
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables -= OAUTH_TABLES
    if "schema_version" not in tables:
        if tables:
            raise StoreError("the file holds other tables: not a RoleFit feedback database")
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, *, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> int:
    """Bring the schema forward to the newest version, one transaction per step; return it."""
    version = schema_version(conn)
    if version > len(migrations):
        raise StoreError(
            f"schema version {version} is newer than this RoleFit knows ({len(migrations)}): "
            "upgrade RoleFit or point ROLEFIT_DB elsewhere"
        )
    while version < len(migrations):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version == 0:
                conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            for statement in migrations[version]:
                conn.execute(statement)
            version += 1
            conn.execute("UPDATE schema_version SET version = ?", (version,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version


class SqliteStore:
    """The default store: one SQLite file in WAL mode. Use it from one thread only."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT) -> Self:
        """Open (creating the file and its folder if needed) and migrate; errors propagate."""
        # Absolute, so SQLite never reads it as a `file:` URI (which could ask for memory).
        target = Path(path).expanduser().absolute()
        target.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(target, timeout=busy_timeout, isolation_level=None)
        try:
            schema_version(conn)  # someone else's database is refused before anything changes
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return cls(conn, str(target))

    def add_vote(self, vote: Vote) -> None:
        self._conn.execute(_UPSERT_VOTE, _vote_row(vote))

    def add_question(self, question: Question) -> None:
        self._conn.execute(_INSERT_QUESTION, _question_row(question))

    def add_many(
        self, *, questions: Sequence[Question] = (), votes: Sequence[Vote] = ()
    ) -> list[Refusal]:
        """All rows in one transaction. If a row is refused, roll back and redo the rows one by
        one (still one transaction), skipping the refused rows and returning them."""
        if not questions and not votes:
            return []
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            try:
                _insert_questions(conn, questions)
                conn.executemany(_UPSERT_VOTE, [_vote_row(v) for v in votes])
                refused: list[Refusal] = []
            except ROW_ERRORS:
                conn.execute("ROLLBACK")
                conn.execute("BEGIN IMMEDIATE")
                refused = self._one_by_one(questions, votes)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return refused

    def _one_by_one(self, questions: Sequence[Question], votes: Sequence[Vote]) -> list[Refusal]:
        """Inside a transaction, where a statement SQLite refuses undoes itself, not the others."""
        refused: list[Refusal] = []
        for question in questions:
            try:
                self.add_question(question)
            except ROW_ERRORS as error:
                refused.append((question, error))
        for vote in votes:
            try:
                self.add_vote(vote)
            except ROW_ERRORS as error:
                refused.append((vote, error))
        return refused

    def votes(self, *, since: float | None = None) -> list[Vote]:
        rows = self._conn.execute(
            """SELECT answer_id, team, user, helpful, voted_at, place FROM votes
               WHERE voted_at >= ? ORDER BY voted_at""",
            (_floor(since),),
        )
        return [
            Vote(answer_id=a, team=t, user=u, helpful=bool(h), at=at, place=p)
            for a, t, u, h, at, p in rows
        ]

    def questions(self, *, since: float | None = None) -> list[Question]:
        rows = self._conn.execute(
            """SELECT asked_at, team, channel_type, command, verdict, score, topic, answer_id, text
               FROM questions WHERE asked_at >= ? ORDER BY asked_at, id""",
            (_floor(since),),
        )
        return [Question(*row) for row in rows]

    def add_draft(self, draft: Draft) -> None:
        self._conn.execute(
            """INSERT INTO drafts
               (answered_at, team, expert, expert_name, topic, question, asked, answer)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                draft.at,
                draft.team,
                draft.expert,
                draft.expert_name,
                draft.topic,
                draft.question,
                draft.asked,
                draft.answer,
            ),
        )

    def drafts(self, *, since: float | None = None) -> list[Draft]:
        rows = self._conn.execute(
            """SELECT answered_at, team, expert, expert_name, topic, question, asked, answer
               FROM drafts WHERE answered_at >= ? ORDER BY answered_at, id""",
            (_floor(since),),
        )
        return [Draft(*row) for row in rows]

    def ping(self) -> bool:
        """A local file does not go away like a server: nothing to ask."""
        return True

    def close(self) -> None:
        self._conn.close()


_UPSERT_VOTE = """INSERT INTO votes (team, user, answer_id, helpful, voted_at, place)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (team, user, answer_id)
    DO UPDATE SET
        helpful = excluded.helpful, voted_at = excluded.voted_at, place = excluded.place"""

_INSERT_QUESTION_HEAD = """INSERT INTO questions
    (asked_at, team, channel_type, command, verdict, score, topic, answer_id, text)
    VALUES """
_QUESTION_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_QUESTION = _INSERT_QUESTION_HEAD + _QUESTION_VALUES


_ROWS_PER_INSERT = (64, 16, 4, 1)
"""Row counts of the multi-row INSERTs a batch is split into (few statements to cache)."""


def _insert_questions(conn: sqlite3.Connection, questions: Sequence[Question]) -> None:
    """Insert the rows up to 64 to a statement. `executemany` runs the statement once per row,
    and sqlite3 lets go of the GIL each time: taking it back from a busy event loop cost the
    writer thread (and the loop) a context switch per row, more CPU than the rows themselves."""
    start = 0
    for size in _ROWS_PER_INSERT:
        statement = _insert_question_rows(size)
        while len(questions) - start >= size:
            chunk = questions[start : start + size]
            conn.execute(
                statement, [value for question in chunk for value in _question_row(question)]
            )
            start += size


@cache
def _insert_question_rows(count: int) -> str:
    return _INSERT_QUESTION_HEAD + ", ".join([_QUESTION_VALUES] * count)


def _vote_row(vote: Vote) -> tuple[object, ...]:
    return (vote.team, vote.user, vote.answer_id, int(vote.helpful), vote.at, vote.place)


def _question_row(question: Question) -> tuple[object, ...]:
    return (
        question.at,
        question.team,
        question.channel_type,
        question.command,
        question.verdict,
        question.score,
        question.topic,
        question.answer_id,
        question.text,
    )


def _floor(since: float | None) -> float:
    return float("-inf") if since is None else since
