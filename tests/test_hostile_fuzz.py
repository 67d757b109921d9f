"""Item 7: signed, fuzzed payloads of every kind through the real HTTP app.

Each example starts from a payload Slack really sends (a command, a mention, a DM, App Home, a
click on every kind of button), breaks a few of its fields (nulls, numbers, lists, objects, long
or hostile strings), signs it and posts it. The app must answer below 500, and no listener may
fail: every ERROR line from the app, Bolt or aiohttp counts as a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cards.common import (
    DECIDE_ANSWER,
    DECIDE_BACK,
    DECIDE_RESTART,
    DECIDE_SHARE,
    DECIDE_START,
    HELPFUL,
    NOT_HELPFUL,
    OPEN,
    SHARE,
)
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.signing import FORM, form_body, json_body, payload_body
from bot.local_slack.standin import LocalSlack
from bot.slack.server import INFLIGHT
from tests.support.harness import RunningApp

JSON = "application/json"
_nonce = itertools.count()


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _bases(stub: LocalSlack) -> list[dict[str, Any]]:
    url = stub.response_url("fuzz")
    clicks = [
        payloads.block_action(
            {"action_id": action, "value": value}, ephemeral=ephemeral, response_url=url
        )
        for action, value in [
            (OPEN, "entry:what-is-a-tpm"),
            (SHARE, "compare"),
            (HELPFUL, "what-is-a-tpm"),
            (NOT_HELPFUL, "what-is-a-tpm"),
            (DECIDE_START, ""),
            (f"{DECIDE_ANSWER}.1", "x"),
            (DECIDE_BACK, "x"),
            (DECIDE_RESTART, "x"),
            (DECIDE_SHARE, "x"),
        ]
        for ephemeral in (False, True)
    ]
    home_click = payloads.block_action({"action_id": OPEN, "value": "topics"}, home=True)
    return [
        payloads.command("what is a tpm?", response_url=url),
        payloads.command("decide", response_url=url),
        payloads.envelope(payloads.mention("what is a tpm?")),
        payloads.envelope(payloads.dm("what is a pm?")),
        payloads.envelope(payloads.home_opened()),
        home_click,
        *clicks,
    ]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["", "U1> <!channel>", "x" * 5000, "C1\nCRITICAL forged", "<@U0ALICE01>"]),
    st.builds(list),
    st.builds(dict),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["id", "type", "ts", "value"]), st.integers(), max_size=2),
)


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


@pytest.fixture(scope="module")
def running(
    loop: asyncio.AbstractEventLoop, loop_stub: LocalSlack, knowledge: Knowledge
) -> Iterator[tuple[RunningApp, Errors]]:
    app = loop.run_until_complete(RunningApp.start(loop_stub, knowledge))
    errors = Errors()
    logging.getLogger().addHandler(errors)
    yield app, errors
    logging.getLogger().removeHandler(errors)
    loop.run_until_complete(app.stop())


async def _settled(app: RunningApp) -> None:
    """Wait for the lazy listeners the request started (bounded, so a hang fails the test)."""
    assert app._runner is not None
    inflight = app._runner.app[INFLIGHT]
    for _ in range(1000):
        if not len(inflight):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("listeners still running after 10 s")


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_signed_payloads_never_5xx_and_never_fail_a_listener(
    loop: asyncio.AbstractEventLoop, running: tuple[RunningApp, Errors], data: st.DataObject
) -> None:
    app, errors = running
    body = data.draw(st.sampled_from(_bases(app.stub)))
    paths = _paths(body)
    for path in data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True)):
        try:
            _replace(body, path, data.draw(_JUNK))
        except (KeyError, IndexError, TypeError):
            continue
    is_command = "command" in body and body.get("command") == "/rolefit"
    if body.get("type") == "event_callback":
        raw, content_type = json_body({**body, "nonce": next(_nonce)}), JSON
    elif is_command:
        raw, content_type = form_body({**body, "nonce": next(_nonce)}), FORM
    else:
        raw, content_type = payload_body({**body, "nonce": next(_nonce)}), FORM
    errors.records.clear()
    status, _ = loop.run_until_complete(app.post(raw, content_type=content_type))
    loop.run_until_complete(_settled(app))
    assert status < 500, body
    assert [r.getMessage() for r in errors.records] == [], body
