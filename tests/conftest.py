"""Shared fixtures: the bundled knowledge (loaded once), the Web API stand-in, the running app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.cards.replies import RoleFit
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Knowledge
from tests.support.harness import RunningApp
from tests.support.slack_stub import SlackStub


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
