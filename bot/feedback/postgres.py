"""The FeedbackStore on PostgreSQL (DATABASE_URL), for several replicas writing to one place.

The Protocol is blocking and `BackgroundStore` calls it from its one writer thread, so this store
keeps a private event loop there and runs SQLAlchemy's async engine (asyncpg) on it. Tables are
created and migrated on open under an advisory lock, so replicas starting together take turns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar

from bot.database import async_url, create_engine, lock_schema
from bot.feedback.records import Draft, Question, Vote
from bot.feedback.store import ROW_ERRORS, Refusal, StoreError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

T = TypeVar("T")

PING_TIMEOUT = 0.5
"""Seconds `ping` waits for a pooled connection and its answer, so a PostgreSQL that does not
answer holds the writer thread no longer than /healthz waits (bot/slack/health.py)."""

# MIGRATIONS[n] takes the schema from version n to n + 1. Version 1 is the SQLite store's
# version 2 (every request, text optional), with team_id in the indexes for per-workspace reports.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE rolefit_votes (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            answer_id TEXT NOT NULL,
            helpful BOOLEAN NOT NULL,
            voted_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (team_id, user_id, answer_id)
        )""",
        """CREATE TABLE rolefit_questions (
            id BIGSERIAL PRIMARY KEY,
            asked_at DOUBLE PRECISION NOT NULL,
            team_id TEXT NOT NULL,
            channel_type TEXT NOT NULL,
            command TEXT NOT NULL,
            verdict TEXT,
            score DOUBLE PRECISION,
            topic TEXT,
            answer_id TEXT,
            text TEXT
        )""",
        "CREATE INDEX rolefit_questions_asked_at ON rolefit_questions (asked_at)",
        "CREATE INDEX rolefit_questions_team ON rolefit_questions (team_id, asked_at)",
        "CREATE INDEX rolefit_votes_voted_at ON rolefit_votes (voted_at)",
    ),
    (
        "ALTER TABLE rolefit_votes ADD COLUMN place TEXT NOT NULL DEFAULT ''",
        """CREATE TABLE rolefit_drafts (
            id BIGSERIAL PRIMARY KEY,
            answered_at DOUBLE PRECISION NOT NULL,
            team_id TEXT NOT NULL,
            expert TEXT NOT NULL,
            expert_name TEXT NOT NULL,
            topic TEXT NOT NULL,
            question TEXT NOT NULL,
            asked TEXT NOT NULL,
            answer TEXT NOT NULL
        )""",
        "CREATE INDEX rolefit_drafts_answered_at ON rolefit_drafts (answered_at)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

_UPSERT_VOTE = """INSERT INTO rolefit_votes
    (team_id, user_id, answer_id, helpful, voted_at, place)
    VALUES (:team, :user, :answer_id, :helpful, :at, :place)
    ON CONFLICT (team_id, user_id, answer_id)
    DO UPDATE SET
        helpful = excluded.helpful, voted_at = excluded.voted_at, place = excluded.place"""
_INSERT_DRAFT = """INSERT INTO rolefit_drafts
    (answered_at, team_id, expert, expert_name, topic, question, asked, answer)
    VALUES (:at, :team, :expert, :expert_name, :topic, :question, :asked, :answer)"""

# Parameters are named after the fields of Vote and Question, so a record binds as asdict(record).
_INSERT_QUESTION = """INSERT INTO rolefit_questions
    (asked_at, team_id, channel_type, command, verdict, score, topic, answer_id, text)
    VALUES (:at, :team, :channel_type, :command, :verdict, :score, :topic, :answer_id, :text)"""


async def migrate(engine: AsyncEngine, *, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> int:
    """Create or bring forward RoleFit's tables in one transaction, one replica at a time."""
    from sqlalchemy import text

    async with engine.begin() as conn:
        await lock_schema(conn)
        await conn.execute(
            text("CREATE TABLE IF NOT EXISTS rolefit_schema (version INTEGER NOT NULL)")
        )
        version = (await conn.execute(text("SELECT max(version) FROM rolefit_schema"))).scalar()
        if version is None:
            version = 0
            await conn.execute(text("INSERT INTO rolefit_schema (version) VALUES (0)"))
        if version > len(migrations):
            raise StoreError(
                f"schema version {version} is newer than this RoleFit knows ({len(migrations)}): "
                "upgrade RoleFit or point DATABASE_URL elsewhere"
            )
        while version < len(migrations):
            for statement in migrations[version]:
                await conn.execute(text(statement))
            version += 1
        await conn.execute(text("UPDATE rolefit_schema SET version = :v"), {"v": version})
    return int(version)


class PostgresStore:
    """Use it from one thread only (BackgroundStore's writer): it owns that thread's loop."""

    def __init__(self, engine: AsyncEngine, loop: asyncio.AbstractEventLoop) -> None:
        self._engine = engine
        self._loop = loop

    @classmethod
    def open(cls, database_url: str) -> PostgresStore:
        """Connect and migrate; errors propagate (BackgroundStore logs them and retries later)."""
        loop = asyncio.new_event_loop()
        try:
            engine = create_engine(
                async_url(database_url=database_url, sqlite_path=None), pool_size=2
            )
        except BaseException:
            loop.close()
            raise
        store = cls(engine, loop)
        try:
            store._run(migrate(engine))
        except BaseException:
            store.close()
            raise
        return store

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(work)

    def add_vote(self, vote: Vote) -> None:
        self.add_many(votes=[vote])

    def add_question(self, question: Question) -> None:
        self.add_many(questions=[question])

    def add_many(
        self, *, questions: Sequence[Question] = (), votes: Sequence[Vote] = ()
    ) -> list[Refusal]:
        """One transaction; if a row is refused, again row by row with a savepoint each."""
        if not questions and not votes:
            return []
        return self._run(self._add_many(questions, votes))

    async def _add_many(
        self, questions: Sequence[Question], votes: Sequence[Vote]
    ) -> list[Refusal]:
        from sqlalchemy import text

        try:
            async with self._engine.begin() as conn:
                if questions:
                    await conn.execute(
                        text(_INSERT_QUESTION), [asdict(q) for q in questions]
                    )
                if votes:
                    await conn.execute(text(_UPSERT_VOTE), [asdict(v) for v in votes])
            return []
        except Exception as error:
            if not _about_a_row(error):
                raise
        refused: list[Refusal] = []
        records: list[Question | Vote] = [*questions, *votes]
        async with self._engine.begin() as conn:
            for record in records:
                try:
                    await self._add_one(conn, record)
                except Exception as error:
                    if not _about_a_row(error):
                        raise
                    refused.append((record, error))
        return refused

    @staticmethod
    async def _add_one(conn: AsyncConnection, record: Question | Vote) -> None:
        from sqlalchemy import text

        async with conn.begin_nested():
            if isinstance(record, Vote):
                await conn.execute(text(_UPSERT_VOTE), asdict(record))
            else:
                await conn.execute(text(_INSERT_QUESTION), asdict(record))

    def votes(self, *, since: float | None = None) -> list[Vote]:
        rows = self._run(
            self._select(
                """SELECT answer_id, team_id, user_id, helpful, voted_at, place FROM rolefit_votes
                   WHERE voted_at >= :since ORDER BY voted_at""",
                since,
            )
        )
        return [
            Vote(answer_id=a, team=t, user=u, helpful=h, at=at, place=p)
            for a, t, u, h, at, p in rows
        ]

    def add_draft(self, draft: Draft) -> None:
        self._run(self._insert_draft(draft))

    async def _insert_draft(self, draft: Draft) -> None:
        from sqlalchemy import text

        async with self._engine.begin() as conn:
            await conn.execute(text(_INSERT_DRAFT), asdict(draft))

    def drafts(self, *, since: float | None = None) -> list[Draft]:
        rows = self._run(
            self._select(
                """SELECT answered_at, team_id, expert, expert_name, topic, question, asked, answer
                   FROM rolefit_drafts WHERE answered_at >= :since ORDER BY answered_at, id""",
                since,
            )
        )
        return [Draft(*row) for row in rows]

    def questions(self, *, since: float | None = None) -> list[Question]:
        rows = self._run(
            self._select(
                """SELECT asked_at, team_id, channel_type, command, verdict, score, topic,
                          answer_id, text
                   FROM rolefit_questions WHERE asked_at >= :since ORDER BY asked_at, id""",
                since,
            )
        )
        return [Question(*row) for row in rows]

    async def _select(self, query: str, since: float | None) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        async with self._engine.connect() as conn:
            result = await conn.execute(
                text(query), {"since": float("-inf") if since is None else since}
            )
            return [tuple(row) for row in result]

    def ping(self) -> bool:
        """True when `SELECT 1` is answered within PING_TIMEOUT on the store's own pool."""
        try:
            self._run(self._ping())
        except Exception:
            return False
        return True

    async def _ping(self) -> None:
        from sqlalchemy import text

        async with asyncio.timeout(PING_TIMEOUT), self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._run(self._engine.dispose())
        finally:
            self._loop.close()


def _about_a_row(error: Exception) -> bool:
    """A refused value (SQLSTATE class 22) or constraint (23), not a database that is down."""
    if isinstance(error, ROW_ERRORS):
        return True
    sqlstate = str(getattr(getattr(error, "orig", None), "sqlstate", None) or "")
    return sqlstate[:2] in {"22", "23"}
