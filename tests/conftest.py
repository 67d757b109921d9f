"""Shared fixtures: the bundled knowledge (loaded once), the Web API stand-in, the running app."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

import pytest

from bot.cards.replies import RoleFit
from bot.knowledge.loader import Knowledge, load_knowledge
from tests.support.harness import RunningApp
from tests.support.servers import PostgresServer, RedisServer, needed
from tests.support.slack_stub import SlackStub

S = TypeVar("S", PostgresServer, RedisServer)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def rolefit(knowledge: Knowledge) -> RoleFit:
    return RoleFit(knowledge)


@pytest.fixture
async def stub() -> AsyncIterator[SlackStub]:
    server = SlackStub()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def app(stub: SlackStub, knowledge: Knowledge) -> AsyncIterator[RunningApp]:
    running = await RunningApp.start(stub, knowledge)
    yield running
    await running.stop()


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
