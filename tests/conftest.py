"""Shared fixtures: the bundled knowledge (loaded once), the Web API stand-in, the running app."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Knowledge
from bot.local_slack.standin import LocalSlack
from bot.slack.app import build_services
from tests.support.harness import RunningApp
from tests.support.servers import PostgresServer, RedisServer, needed

# What Python, pytest and the tools leave in a checkout by design; anything else a test wrote.
_TOOL_LITTER = ("__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", ".mypy_cache")
_ROOT = Path(__file__).resolve().parents[1]


def _new_files() -> set[str] | None:
    """Untracked and ignored files in the checkout, or None outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--ignored=matching"],
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return {
        line
        for line in done.stdout.splitlines()
        if line[:2] in {"??", "!!"}
        and not any(part in _TOOL_LITTER for part in line[3:].split("/"))
    }


@pytest.fixture(scope="session", autouse=True)
def checkout_stays_clean() -> Iterator[None]:
    """Tests write only in temporary folders: the checkout has no new file after the suite."""
    before = _new_files()
    yield
    if before is None:
        return
    after = _new_files() or set()
    assert sorted(after - before) == [], "tests left files in the repository"


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop for a module's synchronous hypothesis tests that drive an async app."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def loop_stub(loop: asyncio.AbstractEventLoop) -> Iterator[LocalSlack]:
    """A Web API stand-in on the module's event loop (for the hypothesis tests)."""
    stub = LocalSlack()
    loop.run_until_complete(stub.start())
    yield stub
    loop.run_until_complete(stub.stop())


S = TypeVar("S", PostgresServer, RedisServer)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def rolefit(knowledge: Knowledge) -> RoleFit:
    return RoleFit(knowledge)


@pytest.fixture
async def stub() -> AsyncIterator[LocalSlack]:
    async with LocalSlack() as server:
        yield server


@pytest.fixture
async def app(stub: LocalSlack, knowledge: Knowledge) -> AsyncIterator[RunningApp]:
    running = await RunningApp.start(stub, knowledge)
    yield running
    await running.stop()


Start = Callable[..., Awaitable[RunningApp]]


@pytest.fixture
async def start(
    stub: LocalSlack, knowledge: Knowledge, rolefit: RoleFit, tmp_path: Path
) -> AsyncIterator[Start]:
    """Start the app with services built from settings (ROLEFIT_DB in tmp_path, plus overrides)."""
    running: list[RunningApp] = []

    async def starter(**overrides: Any) -> RunningApp:
        values: dict[str, Any] = {"db_path": str(tmp_path / "rolefit.db")}
        values.update(overrides)
        services = build_services(rolefit, settings=Settings(**values))
        app = await RunningApp.start(stub, knowledge, services=services)
        running.append(app)
        return app

    yield starter
    for app in running:
        await app.stop()
        if app.services.feedback is not None:
            await asyncio.to_thread(app.services.feedback.close)


def _running(make: Callable[[], S]) -> Iterator[S]:
    server = needed(make)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL for the session; each test gets a database of its own."""
    yield from _running(PostgresServer)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    yield from _running(RedisServer)


_databases = itertools.count(1)


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session's PostgreSQL."""
    return postgres_server.create_database(f"test_{next(_databases)}")


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    subprocess.run(
        ["redis-cli", "-p", str(redis_server.port), "FLUSHALL"], check=True, capture_output=True
    )
    return redis_server.url()
