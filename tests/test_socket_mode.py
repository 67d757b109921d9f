"""Socket Mode: a local websocket server plays Slack's side of the connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.signing import BOT_TOKEN
from bot.local_slack.standin import LocalSlack
from bot.slack.app import build_app, build_services
from tests.support.blockkit import check_message
from tests.support.socket_slack import SocketSlack, events_api, slash_command, socket_mode_app

APP_TOKEN = "xapp-1-A0ROLEFIT-0000-test"


@pytest.fixture
async def socket_slack() -> AsyncIterator[SocketSlack]:
    server = SocketSlack()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def connected(
    stub: LocalSlack, socket_slack: SocketSlack, knowledge: Knowledge
) -> AsyncIterator[SocketSlack]:
    """The real app connected in Socket Mode to the local websocket server."""
    async with socket_mode_app(
        socket_slack, stub=stub, knowledge=knowledge, app_token=APP_TOKEN
    ) as connected:
        yield connected


async def test_mention_and_command_over_socket_mode(
    stub: LocalSlack, connected: SocketSlack
) -> None:
    [opened] = stub.of("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"

    await connected.send(events_api("env-mention", payloads.mention("what is a technical pm?")))
    command = payloads.command("compare kpis", response_url=stub.response_url())
    await connected.send(slash_command("env-command", command))
    mention_ack = await connected.ack_for("env-mention")
    assert mention_ack["envelope_id"] == "env-mention"
    command_ack = await connected.ack_for("env-command")
    answer = command_ack["payload"]
    check_message(answer)
    assert answer["response_type"] == "ephemeral"
    assert "KPIs" in answer["text"]

    [post] = await stub.wait_for("chat.postMessage")
    check_message(post.params)
    assert post.params["thread_ts"] == "1700000100.000100"
    assert "Technical Product Manager" in post.params["text"]


async def test_a_retried_envelope_is_acked_but_answered_once(
    stub: LocalSlack, connected: SocketSlack
) -> None:
    event = payloads.mention("do startups need a tpm?")
    first = events_api("env-1", event)
    retry = events_api("env-2", event, retry_attempt=1)
    retry["payload"]["event_id"] = first["payload"]["event_id"]
    await connected.send(first)
    await connected.send(retry)
    assert (await connected.ack_for("env-1"))["envelope_id"] == "env-1"
    assert (await connected.ack_for("env-2"))["envelope_id"] == "env-2"
    await stub.wait_for("chat.postMessage")
    await stub.settle(0.3)
    assert len(stub.of("chat.postMessage")) == 1


async def test_two_connections_sharing_redis_answer_a_retried_event_once(
    stub: LocalSlack, knowledge: Knowledge, redis_url: str
) -> None:
    """Slack spreads envelopes over an app's connections: the retry may reach the other one."""
    settings = Settings(
        bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=stub.api_url, redis_url=redis_url
    )
    servers, handlers = [SocketSlack(), SocketSlack()], []
    try:
        for server in servers:
            await server.start()
            stub.socket_url = server.url
            services = build_services(RoleFit(knowledge), settings=settings)
            bolt = build_app(settings=settings, services=services, verify_requests=False)
            handler = AsyncSocketModeHandler(bolt, APP_TOKEN)
            handlers.append(handler)
            await handler.connect_async()
            await asyncio.wait_for(server.connected.wait(), 5)
        event = payloads.mention("do startups need a tpm?")
        first = events_api("env-a", event)
        retry = events_api("env-b", event, retry_attempt=1)
        retry["payload"]["event_id"] = first["payload"]["event_id"]
        await servers[0].send(first)
        await servers[1].send(retry)
        assert (await servers[0].ack_for("env-a"))["envelope_id"] == "env-a"
        assert (await servers[1].ack_for("env-b"))["envelope_id"] == "env-b"
        await stub.wait_for("chat.postMessage")
        await stub.settle(0.3)
        assert len(stub.of("chat.postMessage")) == 1
    finally:
        for handler in handlers:
            await handler.close_async()
        for server in servers:
            await server.stop()
