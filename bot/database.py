"""One database for feedback and OAuth: PostgreSQL from DATABASE_URL, else the ROLEFIT_DB file.

SQLAlchemy's async engine is what slack-sdk's installation and state stores take, so RoleFit's own
PostgreSQL store uses it too (with asyncpg). The `scale` extra installs them; nothing here is
imported unless DATABASE_URL or distribution mode asks for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

SCHEMA_LOCK = 0x526F6C65466974
"""The PostgreSQL advisory lock id every replica takes while it creates or migrates tables."""

OAUTH_TABLES = frozenset({"slack_installations", "slack_bots", "slack_oauth_states"})
"""slack-sdk's default table names, which share the ROLEFIT_DB file with feedback when set."""

SCALE_EXTRA = "install the scale extra: pip install 'rolefit[scale]'"


def async_url(*, database_url: str | None, sqlite_path: str | None) -> str:
    """The SQLAlchemy URL: asyncpg for postgres(ql)://, aiosqlite for the ROLEFIT_DB file (whose
    folder is created, as the feedback store does)."""
    if database_url:
        scheme, rest = database_url.split("://", 1)
        if scheme.lower() not in {"postgres", "postgresql"}:
            raise ValueError("DATABASE_URL must be a postgresql:// URL")
        return "postgresql+asyncpg://" + rest
    if not sqlite_path:
        raise ValueError("no database: set DATABASE_URL or ROLEFIT_DB")
    path = Path(sqlite_path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{path}"


def display_name(database_url: str) -> str:
    """host:port/db for log lines: never the user or the password."""
    parts = urlsplit(database_url)
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{parts.hostname or ''}{port}{parts.path}"


def create_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """A pooled engine whose connections are checked before use, so a restarted server is found."""
    try:
        from sqlalchemy.ext.asyncio import create_async_engine
    except ImportError as error:
        raise RuntimeError(
            f"DATABASE_URL and distribution mode need SQLAlchemy: {SCALE_EXTRA}"
        ) from error
    if url.startswith("sqlite"):
        return create_async_engine(url)
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={"timeout": 5, "command_timeout": 10},
    )


async def lock_schema(conn: AsyncConnection) -> None:
    """Inside a transaction: wait until no other replica is creating or migrating tables."""
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
