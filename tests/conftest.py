"""Shared fixtures: the bundled knowledge (loaded once), the Web API stand-in, the running app."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.cards.replies import RoleFit
from bot.knowledge.loader import Knowledge, load_knowledge
from tests.support.harness import RunningApp
from tests.support.slack_stub import SlackStub

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
