"""Stopping: SIGTERM finishes the answers in flight (lazy ones too), closes up and exits 0."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator

import pytest

from bot.local_slack import payloads
from bot.local_slack.launcher import READY_TIMEOUT, LocalServer, server_env, start
from bot.local_slack.standin import LocalSlack
from bot.slack.inflight import InFlight
from tests.support.harness import refuses, send_event, start_serve
from tests.support.socket_slack import SocketSlack, events_api


@pytest.fixture
async def server(stub: LocalSlack) -> AsyncIterator[LocalServer]:
    running = await start_serve(stub)
    try:
        yield running
    finally:
        await running.kill()


async def test_sigterm_finishes_a_slow_post_in_flight_and_exits_0(
    server: LocalServer, stub: LocalSlack
) -> None:
    stub.slow("chat.postMessage", seconds=1.0)
    assert await send_event(server, payloads.mention("what is a tpm?")) == 200
    await stub.wait_for("chat.postMessage")
    server.process.send_signal(signal.SIGTERM)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while not await refuses(server):
        assert loop.time() < deadline, "still taking new requests after SIGTERM"
        await asyncio.sleep(0.05)
    code, stderr = await server.finish()
    assert code == 0, stderr
    (post,) = stub.of("chat.postMessage")
    assert post.answered, "the app exited before Slack answered its post"
    assert "cancelled" not in stderr and "stopped" in stderr


async def test_sigterm_waits_for_a_lazy_listener_still_retrying(
    server: LocalServer, stub: LocalSlack
) -> None:
    """The first post is rate limited; its retry (after Retry-After) comes after the SIGTERM."""
    stub.rate_limit("chat.postMessage", times=1, retry_after=1)
    assert await send_event(server, payloads.dm("what does a pm do?")) == 200
    await stub.wait_for("chat.postMessage")
    code, stderr = await server.stop()
    assert code == 0, stderr
    assert [c.status for c in stub.of("chat.postMessage")] == [429, 200]


async def test_sigterm_with_nothing_in_flight_exits_0_at_once(server: LocalServer) -> None:
    code, stderr = await server.stop()
    assert code == 0, stderr
    assert "stopped" in stderr


async def test_draining_is_bounded_and_cancels_what_is_left() -> None:
    inflight = InFlight()
    finished: list[str] = []

    async def quick() -> None:
        await asyncio.sleep(0.05)
        finished.append("quick")

    async def stuck() -> None:
        await asyncio.sleep(3600)
        finished.append("stuck")

    quick_task, stuck_task = asyncio.ensure_future(quick()), asyncio.ensure_future(stuck())
    inflight.track(quick_task)
    inflight.track(stuck_task)
    assert len(inflight) == 2
    assert await inflight.drain(0.3) == 1
    assert inflight.closing
    assert finished == ["quick"]
    assert stuck_task.cancelled()
    assert len(inflight) == 0


# ---------------------------------------------------------------- Socket Mode


async def test_socket_mode_sigterm_finishes_the_post_in_flight_and_exits_0(
    stub: LocalSlack,
) -> None:
    slack = SocketSlack()
    await slack.start()
    stub.socket_url = slack.url
    stub.slow("chat.postMessage", seconds=1.0)
    env = server_env(
        api_url=stub.api_url, LOG_LEVEL="INFO", SLACK_APP_TOKEN="xapp-1-A0ROLEFIT-1-test"
    )
    server = await start(["bot", "socket"], env=env)
    try:
        await asyncio.wait_for(slack.connected.wait(), READY_TIMEOUT)
        await slack.send(events_api("env-1", payloads.mention("what is a tpm?")))
        ack = await slack.ack_for("env-1")
        assert ack["envelope_id"] == "env-1"
        await stub.wait_for("chat.postMessage")
        code, stderr = await server.stop()
        assert code == 0, stderr
        (post,) = stub.of("chat.postMessage")
        assert post.answered, "the app exited before Slack answered its post"
    finally:
        await server.kill()
        await slack.stop()
    assert "stopped" in stderr
