"""The Web API misbehaving: bodies that are not JSON, endless Retry-After, outages at start-up."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp

from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.launcher import free_port, server_env
from bot.local_slack.standin import LocalSlack
from bot.local_slack.workspace import BOT_ID, BOT_USER
from bot.slack import identity, retries
from bot.slack.app import IDENTITY
from bot.slack.inflight import InFlight, TrackingLazyListenerRunner
from bot.slack.retries import MAX_RETRY_WAIT, retry_after
from bot.slack.server import BOLT, INFLIGHT
from tests.support.harness import RunningApp, mention_while_posts_fail

ROOT = Path(__file__).resolve().parent.parent
GUARD = 20.0
"""How long a test waits before calling something hung: never a measured duration."""


async def test_a_bad_gateway_page_still_gets_the_person_told(
    app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """A proxy's 502 page (not JSON) through every retry: the asker hears about it privately."""
    stub.fail_text("chat.postMessage", 502, times=3)
    _, failures = await mention_while_posts_fail(app, stub, caplog, ts="1700000008.000008")
    assert [r.getMessage() for r in failures] == ["chat.postMessage failed: http_502"]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2", 2.0), ("0.5", 0.5), ("soon", 1.0), ("", 1.0), (None, 1.0), ("-3", 1.0), ("nan", 1.0),
     ("inf", 1.0), ("3600", MAX_RETRY_WAIT)],
)
def test_retry_after_is_read_defensively_and_capped(header: str | None, seconds: float) -> None:
    assert retry_after(header) == seconds


async def test_a_fractional_retry_after_is_waited_not_a_crash(
    app: RunningApp, stub: LocalSlack
) -> None:
    """Item 4: a non-integer Retry-After raised ValueError, and the reply was lost."""
    stub.rate_limit("chat.postMessage", times=1, retry_after="0.1")
    assert await app.event(payloads.mention("what is a tpm?")) == 200
    calls = await stub.wait_for("chat.postMessage", 2)
    assert [c.status for c in calls] == [429, 200]


async def test_an_hour_long_retry_after_is_capped(
    app: RunningApp, stub: LocalSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 4: Retry-After 3600 left every reply sleeping for an hour."""
    monkeypatch.setattr(retries, "MAX_RETRY_WAIT", 0.1)
    stub.rate_limit("chat.postMessage", times=1, retry_after=3600)
    assert await app.event(payloads.mention("what is a tpm?")) == 200
    calls = await stub.wait_for("chat.postMessage", 2, timeout=GUARD)
    assert [c.status for c in calls] == [429, 200]


# ---------------------------------------------------------------- the background reply queue


def bound(app: RunningApp, *, workers: int, queue: int, deadline: float) -> InFlight:
    """Give the running app a small reply queue (the real one holds 32 + 500)."""
    assert app._runner is not None
    inflight = app._runner.app[INFLIGHT]
    listener_runner = bolt_of(app).listener_runner
    listener_runner.lazy_listener_runner = TrackingLazyListenerRunner(
        logging.getLogger("rolefit.bolt"), inflight, workers=workers, queue=queue, deadline=deadline
    )
    return inflight


def bolt_of(app: RunningApp) -> AsyncApp:
    assert app._runner is not None
    return app._runner.app[BOLT]


async def health(app: RunningApp) -> dict[str, Any]:
    assert app.session is not None
    async with app.session.get(f"http://127.0.0.1:{app.port}/healthz") as response:
        assert response.status == 200
        return dict(await response.json())


async def test_replies_past_the_queue_are_dropped_and_counted(
    app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 4: 1000 mentions during an outage were 1000 sleeping tasks and 1012 sockets."""
    inflight = bound(app, workers=1, queue=1, deadline=GUARD)
    stub.slow("chat.postMessage", seconds=0.5)
    with caplog.at_level(logging.WARNING, logger="rolefit.inflight"):
        for n in range(5):
            assert await app.event(payloads.mention("what is a tpm?", ts=f"1700000009.{n:06d}"))
        assert (await health(app))["replies"] == {"waiting": 2, "dropped": 3}
    drops = [r for r in caplog.records if "reply queue full" in r.getMessage()]
    assert len(drops) == 3
    await stub.wait_for("chat.postMessage", 2, timeout=GUARD)
    await settled(inflight)
    assert len(stub.of("chat.postMessage")) == 2
    assert (await health(app))["replies"] == {"waiting": 0, "dropped": 3}


async def settled(inflight: InFlight) -> None:
    for _ in range(int(GUARD / 0.01)):
        if not len(inflight):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("replies still running")


async def test_a_reply_stuck_on_the_web_api_is_stopped_at_its_deadline(
    app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    inflight = bound(app, workers=1, queue=5, deadline=0.3)
    stub.slow("chat.postMessage", seconds=3)
    with caplog.at_level(logging.WARNING, logger="rolefit.inflight"):
        assert await app.event(payloads.mention("what is a tpm?")) == 200
        await stub.wait_for("chat.postMessage")
        await settled(inflight)
    assert len(inflight) == 0 and inflight.replies_waiting == 0
    assert [r.getMessage() for r in caplog.records] == ["a reply was stopped after 0 s"]


# ---------------------------------------------------------------- the token, checked at start-up


async def test_a_rate_limited_auth_test_at_start_never_reaches_an_ack(
    stub: LocalSlack, knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 1: with auth.test rate-limited, the first mention waited 4.8-15.8 s for its ack."""
    stub.rate_limit("auth.test", times=10, retry_after=5)
    with caplog.at_level(logging.WARNING, logger="rolefit.identity"):
        app = await RunningApp.start(stub, knowledge)
    try:
        assert [r.getMessage() for r in caplog.records] == [
            "could not check SLACK_BOT_TOKEN with Slack (ratelimited): carrying on, "
            "checking again in 30 s"
        ]
        assert await app.event(payloads.mention("what is a tpm?")) == 200
        await stub.wait_for("chat.postMessage", timeout=GUARD)
        assert len(stub.of("auth.test")) == 1, "only the start-up check; no request made one"
    finally:
        await app.stop()


async def test_a_hanging_auth_test_at_start_is_given_up_on(
    stub: LocalSlack,
    knowledge: Knowledge,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Item 1: with auth.test hanging, a mention got "listener failed: TimeoutError"."""
    monkeypatch.setattr(identity, "CHECK_TIMEOUT", 1)
    stub.slow("auth.test", seconds=3)
    with caplog.at_level(logging.WARNING):
        app = await RunningApp.start(stub, knowledge)
        try:
            assert await app.event(payloads.mention("what is a tpm?")) == 200
            await stub.wait_for("chat.postMessage", timeout=GUARD)
        finally:
            await app.stop()
    assert "(TimeoutError)" in caplog.records[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(stub.of("auth.test")) == 1


async def test_after_a_failed_start_up_check_the_token_is_checked_in_the_background(
    stub: LocalSlack, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identity, "RECHECK_EVERY", 0.05)
    stub.fail_http("auth.test", 503, times=1)
    app = await RunningApp.start(stub, knowledge)
    try:
        calls = await stub.wait_for("auth.test", 2, timeout=GUARD)
        assert [c.status for c in calls] == [503, 200]
        assert app._runner is not None
        for _ in range(int(GUARD / 0.01)):
            if app._runner.app[IDENTITY].checked:
                break
            await asyncio.sleep(0.01)
        assert app._runner.app[IDENTITY].bot_user_id == BOT_USER
        assert app._runner.app[IDENTITY].bot_id == BOT_ID
    finally:
        await app.stop()


def _run(mode: str, stub: LocalSlack) -> asyncio.Future[tuple[int, str]]:
    async def run() -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *([mode, "--port", str(free_port())] if mode == "serve" else [mode]),
            cwd=ROOT,
            env=server_env(api_url=stub.api_url, SLACK_APP_TOKEN="xapp-1-A0-1-abc"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), GUARD * 2)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        return int(process.returncode or 0), stderr.decode()

    return asyncio.ensure_future(run())


@pytest.mark.parametrize(
    ("mode", "method", "variable", "code"),
    [
        ("serve", "auth.test", "SLACK_BOT_TOKEN", "invalid_auth"),
        ("serve", "auth.test", "SLACK_BOT_TOKEN", "account_inactive"),
        ("socket", "auth.test", "SLACK_BOT_TOKEN", "token_revoked"),
        ("socket", "apps.connections.open", "SLACK_APP_TOKEN", "invalid_auth"),
    ],
)
async def test_a_refused_token_stops_start_up_with_one_line(
    stub: LocalSlack, mode: str, method: str, variable: str, code: str
) -> None:
    """Item 2: Socket Mode retried forever with 25-line tracebacks; HTTP mode started anyway."""
    stub.fail(method, code)
    status, stderr = await _run(mode, stub)
    assert status == 1
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if variable in line]
    assert lines == [f"rolefit: Slack refused {variable} ({code}): set it to the app's current "
                     "token and start again."]
