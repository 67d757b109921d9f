"""Memory, files and text that try to exhaust the process: long questions, big ids, bombs."""

from __future__ import annotations

import sys
import time

import pytest

from bot.cards.common import Surface
from bot.cards.replies import MAX_TEXT, RoleFit
from bot.knowledge.loader import Knowledge
from bot.slack.app import build_services
from bot.slack.dedup import MemorySeen, StoreFull
from bot.slack.server import GATE
from handlers.events import mention_text
from tests.support import payloads
from tests.support.harness import FORM, RunningApp
from tests.support.signing import form_body
from tests.support.slack_stub import SlackStub

LONG = "what is a tpm? " + "\ufdfa" * 100_000


@pytest.mark.parametrize("entry", ["reply", "answer"])
def test_a_long_question_is_cut_before_it_is_normalised(rolefit: RoleFit, entry: str) -> None:
    """Item 14: what the matcher is handed (and keeps) is at most Slack's 4,000 characters."""
    reply = getattr(rolefit, entry)(LONG, surface=Surface.PRIVATE)
    assert reply.match is not None
    assert len(reply.match.question) <= MAX_TEXT
    assert reply.match.question.startswith("what is a tpm?")


def test_a_long_mention_is_cut_before_the_mention_is_removed() -> None:
    text = mention_text("<@UBOT0001> what is a tpm? " + "x" * 100_000)
    assert text.startswith("what is a tpm?")
    assert len(text) <= MAX_TEXT


# ---------------------------------------------------------------- the record of what was seen


def test_a_full_record_refuses_rather_than_forgets() -> None:
    """Item 10: 100,000 other requests used to push an old signature out; it was served again."""
    now = [0.0]
    seen = MemorySeen(max_keys=3, clock=lambda: now[0])
    assert [seen.claim(key, ttl=60) for key in ("a", "b", "c")] == [True, True, True]
    with pytest.raises(StoreFull):
        seen.claim("d", ttl=60)
    assert seen.claim("a", ttl=60) is False, "a is still remembered"
    now[0] = 61
    assert seen.claim("d", ttl=60) is True, "room again once windows end"


def test_each_key_keeps_its_own_window() -> None:
    now = [0.0]
    seen = MemorySeen(max_keys=10, clock=lambda: now[0])
    assert seen.claim("long", ttl=600) and seen.claim("short", ttl=10)
    now[0] = 11
    assert seen.claim("short", ttl=10) is True
    assert seen.claim("long", ttl=600) is False


def test_huge_keys_cost_a_fixed_size_digest() -> None:
    """Item 9: 800 events with 880 KiB ids took 700 MB; the record keeps 16 bytes a key."""
    seen = MemorySeen(max_keys=1000)
    keys = [f"{n}" + "E" * 900_000 for n in range(20)]
    assert all(seen.claim(key, ttl=60) for key in keys)
    held = sum(sys.getsizeof(k) for k in seen._expiry)
    assert held < 20 * 100


async def test_a_full_replay_record_is_503_not_a_second_answer(
    stub: SlackStub, knowledge: Knowledge
) -> None:
    services = build_services(RoleFit(knowledge))
    app = await RunningApp.start(stub, knowledge, services=services)
    try:
        assert app._runner is not None
        gate_store = MemorySeen(max_keys=2)
        app._runner.app[GATE].replay = gate_store
        body = form_body(payloads.command("what is a tpm?", response_url=stub.response_url()))
        ts = int(time.time())
        first = [await app.post(body + f"&n={n}", content_type=FORM, timestamp=ts) for n in (1, 2)]
        assert [status for status, _ in first] == [200, 200]
        status, text = await app.post(body + "&n=3", content_type=FORM, timestamp=ts)
        assert status == 503 and "Traceback" not in text
        status, _ = await app.post(body + "&n=1", content_type=FORM, timestamp=ts)
        assert status == 401, "the first request is still remembered as seen"
    finally:
        await app.stop()


async def test_a_request_signed_before_a_restart_is_not_served_again(
    app: RunningApp, stub: SlackStub, knowledge: Knowledge
) -> None:
    """Item 10: the same captured request, replayed to a freshly started process."""
    body = form_body(payloads.command("what is a tpm?"))
    ts = int(time.time()) - 2
    assert app._runner is not None
    app._runner.app[GATE].not_before = ts - 10
    assert (await app.post(body, content_type=FORM, timestamp=ts))[0] == 200
    restarted = await RunningApp.start(stub, knowledge)
    try:
        status, _ = await restarted.post(body, content_type=FORM, timestamp=ts)
        assert status == 401
    finally:
        await restarted.stop()


async def test_huge_event_ids_are_refused_at_the_gate(app: RunningApp, stub: SlackStub) -> None:
    """Item 9: ids are capped at the gate, so nothing that long is even looked up."""
    status = await app.event(payloads.mention("what is a tpm?"), event_id="Ev" + "A" * 900_000)
    assert status == 413 or status == 400
    await stub.settle()
    assert stub.posts() == []
