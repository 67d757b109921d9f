"""Slack's retries, rate limits and outages, and refusing to start on broken knowledge."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot import logs
from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.knowledge.loader import bundled_dir
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads, workspace
from bot.local_slack.signing import BOT_TOKEN, SIGNING_SECRET, json_body
from bot.local_slack.standin import LocalSlack
from bot.slack.app import build_app, build_services
from bot.slack.dedup import MemorySeen, event_key
from tests.support.blockkit import check_message
from tests.support.harness import RunningApp, mention_while_posts_fail

ROOT = Path(__file__).resolve().parent.parent
JSON = "application/json"


async def deliver(
    app: RunningApp, envelope: dict[str, Any], *, retry: int = 0, reason: str = "http_timeout"
) -> int:
    """Send an Events API envelope the way Slack does; retries are signed afresh, as Slack does."""
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": reason} if retry else {}
    status, _ = await app.post(
        json_body(envelope),
        content_type=JSON,
        headers=headers,
        timestamp=int(time.time()) + retry,
    )
    return status


def threads(stub: LocalSlack) -> list[str]:
    return [c.params.get("thread_ts", "") for c in stub.delivered("chat.postMessage")]


# ---------------------------------------------------------------- the record of what was seen


def test_memory_seen_claims_each_key_once_until_it_expires() -> None:
    now = [1000.0]
    seen = MemorySeen(max_keys=10, clock=lambda: now[0])
    assert seen.claim("a", ttl=60) is True
    assert seen.claim("a", ttl=60) is False
    assert seen.claim("b", ttl=60) is True
    now[0] += 59
    assert seen.claim("a", ttl=60) is False
    now[0] += 2
    assert seen.claim("a", ttl=60) is True
    assert len(seen) == 1, "b expired and was trimmed when a was claimed again"


async def test_memory_seen_lets_exactly_one_of_many_concurrent_claims_win() -> None:
    seen = MemorySeen(max_keys=10)
    results = await asyncio.gather(*(seen.first_seen("Ev1", ttl=60) for _ in range(20)))
    assert results.count(True) == 1


def test_only_events_api_deliveries_have_a_dedup_key() -> None:
    assert event_key(payloads.envelope(payloads.mention("hi"), event_id="Ev9")) == "event:Ev9"
    assert event_key(payloads.command("hi")) is None
    assert event_key({"type": "block_actions", "event_id": "Ev9"}) is None
    assert event_key({"type": "event_callback", "event_id": 5}) is None


# ---------------------------------------------------------------- retried events, over HTTP


async def test_a_retried_mention_is_answered_once(app: RunningApp, stub: LocalSlack) -> None:
    envelope = payloads.envelope(payloads.mention("what is a tpm?", ts="1700000001.000001"))
    assert await deliver(app, envelope) == 200
    await stub.wait_for("chat.postMessage")
    assert await deliver(app, envelope, retry=1) == 200
    assert await deliver(app, envelope, retry=2, reason="http_error") == 200
    await stub.settle()
    assert threads(stub) == ["1700000001.000001"]
    posted = stub.delivered("chat.postMessage")[0]
    check_message({"text": posted.params["text"], "blocks": posted.blocks})


async def test_a_retry_arriving_while_the_first_is_still_handled_is_dropped(
    app: RunningApp, stub: LocalSlack
) -> None:
    stub.slow("chat.postMessage", seconds=0.5)
    envelope = payloads.envelope(payloads.mention("what does a pm do", ts="1700000002.000002"))
    statuses = await asyncio.gather(
        deliver(app, envelope), deliver(app, envelope, retry=1), deliver(app, envelope, retry=2)
    )
    assert list(statuses) == [200, 200, 200]
    await stub.wait_for("chat.postMessage")
    await stub.settle(0.8)
    assert threads(stub) == ["1700000002.000002"]


async def test_a_retry_whose_first_delivery_never_arrived_is_answered(
    app: RunningApp, stub: LocalSlack
) -> None:
    envelope = payloads.envelope(payloads.dm("what is a tpm?"), event_id="EvLOSTFIRST")
    assert await deliver(app, envelope, retry=1) == 200
    await stub.wait_for("chat.postMessage")
    await stub.settle()
    assert len(stub.delivered("chat.postMessage")) == 1


async def test_different_events_with_the_same_text_are_each_answered(
    app: RunningApp, stub: LocalSlack
) -> None:
    for ts in ("1700000003.000001", "1700000003.000002"):
        assert (
            await deliver(app, payloads.envelope(payloads.mention("what is a pm?", ts=ts))) == 200
        )
    await stub.wait_for("chat.postMessage", 2)
    assert sorted(threads(stub)) == ["1700000003.000001", "1700000003.000002"]


# ---------------------------------------------------------------- retried events, Socket Mode


@pytest.fixture
def socket_bolt(stub: LocalSlack, knowledge: Knowledge) -> AsyncApp:
    settings = Settings(bot_token=BOT_TOKEN, app_token="xapp-1-test", api_url=stub.api_url)
    return build_app(
        settings=settings, services=build_services(RoleFit(knowledge)), verify_requests=False
    )


async def test_socket_mode_retries_are_dropped_by_the_same_middleware(
    socket_bolt: AsyncApp, stub: LocalSlack
) -> None:
    envelope = payloads.envelope(payloads.mention("what is a tpm?", ts="1700000004.000004"))

    async def socket_delivery(retry: int) -> int:
        headers: dict[str, str | Sequence[str]] | None = (
            {"x-slack-retry-num": str(retry)} if retry else None
        )
        request = AsyncBoltRequest(body=envelope, mode="socket_mode", headers=headers)
        return (await socket_bolt.async_dispatch(request)).status

    assert await asyncio.gather(*(socket_delivery(n) for n in range(3))) == [200, 200, 200]
    await stub.wait_for("chat.postMessage")
    await stub.settle()
    assert threads(stub) == ["1700000004.000004"]


# ---------------------------------------------------------------- rate limits and outages


async def test_rate_limited_posts_are_retried_after_retry_after(
    app: RunningApp, stub: LocalSlack
) -> None:
    stub.rate_limit("chat.postMessage", times=2, retry_after=0)
    assert await app.event(payloads.mention("what is a tpm?", ts="1700000005.000005")) == 200
    calls = await stub.wait_for("chat.postMessage", 3)
    assert [c.status for c in calls] == [429, 429, 200]
    assert threads(stub) == ["1700000005.000005"]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried(app: RunningApp, stub: LocalSlack, status: int) -> None:
    stub.fail_http("chat.postMessage", status, times=1)
    assert await app.event(payloads.dm("what is a pm?")) == 200
    calls = await stub.wait_for("chat.postMessage", 2)
    assert [c.status for c in calls] == [status, 200]


async def test_dropped_connections_are_retried(app: RunningApp, stub: LocalSlack) -> None:
    stub.drop("chat.postMessage", times=1)
    assert await app.event(payloads.mention("what is a pm?", ts="1700000006.000006")) == 200
    await stub.wait_for("chat.postMessage", 2)
    assert threads(stub) == ["1700000006.000006"]


async def test_respond_to_response_url_is_retried_on_rate_limits(
    app: RunningApp, stub: LocalSlack
) -> None:
    answer = await app.command("what is a tpm?")
    stub.rate_limit("response_url", times=1, retry_after=0)
    button = payloads.find_button(answer["blocks"], action_prefix="rolefit.open")
    assert await app.click(button, ephemeral=True) == 200
    calls = await stub.wait_for("response_url", 2)
    assert [c.status for c in calls] == [429, 200]
    check_message(calls[-1].params)


async def test_during_an_outage_commands_are_answered_and_people_are_told(
    app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """chat.postMessage fails through every retry; chat.postEphemeral still works."""
    stub.fail_http("chat.postMessage", 500, times=3)

    async def command() -> None:
        check_message(await app.command("what does a pm do?"))

    notes, failures = await mention_while_posts_fail(
        app, stub, caplog, ts="1700000007.000007", meanwhile=command
    )
    assert notes[0].params["user"] == workspace.USER
    assert notes[0].params["thread_ts"] == "1700000007.000007"
    assert len(failures) == 1, "one failure, logged once"
    ids = vars(failures[0])["ids"]
    assert ids["event_id"] and ids["channel"] == workspace.CHANNEL


async def test_a_card_that_cannot_be_posted_in_the_channel_goes_to_the_clicker_privately(
    app: RunningApp, stub: LocalSlack
) -> None:
    stub.fail("chat.postMessage", "channel_not_found")
    answer = await app.command("what is a tpm?")
    button = payloads.find_button(answer["blocks"], action_prefix="rolefit.open")
    assert await app.click(button, ephemeral=False) == 200
    told = await stub.wait_for("response_url")
    check_message(told[0].params)
    assert told[0].params["response_type"] == "ephemeral"
    assert told[0].params["replace_original"] is False
    assert "again" not in told[0].params["text"].lower()


async def test_a_failed_response_url_post_is_logged_once_with_the_request_ids(
    app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    stub.fail_http("response_url", 404, times=1)
    answer = await app.command("what is a tpm?")
    button = payloads.find_button(answer["blocks"], action_prefix="rolefit.open")
    caplog.handler.addFilter(logs.IdsFilter())
    with caplog.at_level(logging.WARNING):
        assert await app.click(button, ephemeral=True) == 200
        await stub.wait_for("response_url")
        await stub.settle()
    failures = [r for r in caplog.records if "response_url post failed" in r.getMessage()]
    assert len(failures) == 1
    assert vars(failures[0])["ids"]["user"] == workspace.USER
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# ---------------------------------------------------------------- broken knowledge


def _broken_copy(folder: Path) -> tuple[str, str]:
    """A copy of the bundled knowledge with two problems in different entries."""
    for source in bundled_dir().glob("*.yml"):
        (folder / source.name).write_text(source.read_text())
    faq = yaml.safe_load((folder / "faq.yml").read_text())
    first, second = faq["entries"][0], faq["entries"][1]
    first["question"] = 42
    second["related"] = ["no-such-entry"]
    (folder / "faq.yml").write_text(yaml.safe_dump(faq, sort_keys=False, allow_unicode=True))
    return first["id"], second["id"]


@pytest.mark.parametrize("mode", ["serve", "socket"])
def test_the_server_refuses_to_start_on_broken_knowledge(tmp_path: Path, mode: str) -> None:
    first, second = _broken_copy(tmp_path)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "ROLEFIT_KNOWLEDGE_DIR": str(tmp_path),
        "ROLEFIT_DB": str(tmp_path / "rolefit.db"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "xapp-1-test",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert f"entry {first}" in done.stderr and "got a number" in done.stderr
    assert f"entry {second}" in done.stderr and "no-such-entry" in done.stderr
    assert "serving" not in done.stderr and "connecting" not in done.stderr
