"""Shared fixtures: the bundled knowledge (loaded once), the Web API stand-in, the running app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.cards.replies import RoleFit
from bot.knowledge.loader import Knowledge, load_knowledge
from tests.support.harness import RunningApp
from tests.support.slack_stub import SlackStub


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop for a module's synchronous hypothesis tests that drive an async app."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


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
