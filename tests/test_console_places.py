"""The console as a place: what it records, how it looks in a channel, and its emoji."""

from __future__ import annotations

import ast
import io
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cards.common import HELPFUL, SHARE
from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.console.render import EMOJI, PLAIN
from bot.console.session import CHANNEL, Console
from bot.feedback.store import SqliteStore
from bot.local_slack.workspace import DM
from tests.support.cli import ROOT, run_rolefit
from tests.test_console import _shown as shown

MakeConsole = Callable[..., "Console"]
UNKNOWN = "can I expense a taxi ride to the airport?"


@pytest.fixture
async def make_console(rolefit: RoleFit) -> AsyncIterator[Callable[..., Console]]:
    started: list[Console] = []

    def make(**kwargs: Any) -> Console:
        session = Console(rolefit, out=io.StringIO(), palette=PLAIN, width=lambda: 100, **kwargs)
        started.append(session)
        return session

    yield make
    for session in started:
        await session.stop()


def number_of(console: Console, *, action: str | None = None, label: str | None = None) -> str:
    for number, choice in enumerate(console.choices, 1):
        button = choice.button
        if action is not None and not str(button["action_id"]).startswith(action):
            continue
        if label is not None and label not in button["text"]["text"]:
            continue
        return str(number)
    raise AssertionError(f"no button {action or label}")


# --- feedback ---------------------------------------------------------------------------------


async def test_the_console_records_votes_and_unanswered_questions_as_console(
    make_console: Callable[..., Console], tmp_path: Path
) -> None:
    db = tmp_path / "rolefit.db"
    console = make_console(settings=Settings(db_path=str(db)))
    await console.start()
    await console.handle(UNKNOWN)
    await console.handle("what is a tpm")
    await console.handle(number_of(console, action=HELPFUL))
    await console.stop()

    store = SqliteStore.open(db)
    try:
        questions, votes = store.questions(), store.votes()
    finally:
        store.close()
    assert {q.channel_type for q in questions} == {"console"}
    assert [q.text for q in questions if q.unanswered] == [UNKNOWN]
    [vote] = votes
    assert (vote.place, vote.helpful) == ("console", True)

    mine = run_rolefit("report", "--db", str(db), "--place", "console", "--format", "json")
    assert mine.returncode == 0, mine.stderr
    report = json.loads(mine.stdout)
    assert UNKNOWN in json.dumps(report)
    elsewhere = run_rolefit("report", "--db", str(db), "--place", "channel", "--format", "json")
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert UNKNOWN not in elsewhere.stdout
    assert json.loads(elsewhere.stdout) != report


# --- rolefit chat --channel -------------------------------------------------------------------


async def decide_in_channel(make_console: MakeConsole) -> Console:
    """A console in a channel where `decide` has just asked where the walkthrough should run."""
    console = make_console(in_channel=True)
    await console.start()
    await console.handle("decide")
    return console


async def test_in_a_channel_decide_asks_where_and_the_thread_runs_in_the_channel(
    make_console: Callable[..., Console],
) -> None:
    console = await decide_in_channel(make_console)
    asked = " ".join(shown(console).split())
    assert "in a thread, visible to the channel, or privately in a DM?" in asked
    await console.handle(number_of(console, label="In a thread here"))
    started = shown(console)
    assert "#console" in started and "in the thread" in started
    posted = [m for m in console.slack.messages.values() if m.where == "posted"]
    assert posted and all(m.channel == CHANNEL for m in posted)


async def test_in_a_channel_a_dm_choice_and_a_mention_go_where_slack_puts_them(
    make_console: Callable[..., Console],
) -> None:
    console = await decide_in_channel(make_console)
    await console.handle(number_of(console, label="Privately in a DM"))
    assert "your DM" in shown(console)

    await console.handle("@RoleFit what is a tpm")
    answer = shown(console)
    assert "#console · in the thread" in answer
    await console.handle("what is a tpm")
    await console.handle(number_of(console, action=SHARE))
    shared = shown(console)
    assert "Shared by" in shared and "#console" in shared


def test_chat_channel_flag_runs_the_console_in_a_channel() -> None:
    done = run_rolefit("chat", "--channel", stdin="decide\n1\n")
    assert done.returncode == 0, done.stderr
    assert "You are in #console, a public channel" in done.stdout
    assert "#console · in the thread" in done.stdout


async def test_the_plain_console_is_still_a_dm(make_console: Callable[..., Console]) -> None:
    console = make_console()
    await console.start()
    await console.handle("decide")
    assert "visible to the channel" not in shown(console)
    assert all(m.channel == DM for m in console.slack.messages.values())


# --- emoji ------------------------------------------------------------------------------------

_CODE = re.compile(r":([a-z0-9_+-]+):")


def _strings_the_app_sends() -> list[str]:
    """Every string literal in bot/ and handlers/ (not docstrings), and every knowledge text."""
    found: list[str] = []
    for top in ("bot", "handlers"):
        for path in (ROOT / top).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(
                    node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
                )
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            found += [
                node.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ]

    def texts(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                texts(value)
        elif isinstance(node, list):
            for value in node:
                texts(value)

    for path in (ROOT / "knowledge").glob("*.yml"):
        texts(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def test_every_emoji_code_the_app_can_send_renders_in_the_console() -> None:
    codes = {m for text in _strings_the_app_sends() for m in _CODE.findall(text)}
    emoji_like = {c for c in codes if not re.fullmatch(r"[0-9a-f]+", c)}  # not hex digests
    assert "leftwards_arrow_with_hook" in emoji_like and "arrows_counterclockwise" in emoji_like
    assert sorted(emoji_like - set(EMOJI)) == []


async def test_back_and_start_over_show_their_emoji(make_console: Callable[..., Console]) -> None:
    console = make_console()
    await console.start()
    await console.handle("decide")
    first = shown(console)
    assert "Start over" not in first, "nothing to undo on question 1"
    await console.handle("1")
    shown(console)
    await console.handle(number_of(console, label="Back"))
    back = shown(console)
    assert "↩️" in back and ":leftwards_arrow_with_hook:" not in back
    await console.handle("1")
    shown(console)
    await console.handle(number_of(console, label="Start over"))
    over = shown(console)
    assert "🔄" in over and ":arrows_counterclockwise:" not in over
