"""Socket Mode: a local websocket server plays Slack's side of the connection."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import build_app, build_services
from bot.config import Settings
from bot.knowledge import Knowledge
from bot.replies import RoleFit
from tests.support import payloads
from tests.support.blockkit import check_message
from tests.support.signing import BOT_TOKEN
from tests.support.slack_stub import SlackStub

APP_TOKEN = "xapp-1-A0ROLEFIT-0000-test"


class FakeSocketSlack:
    """Accepts one websocket, sends envelopes, and collects the app's acks by envelope id."""

    def __init__(self) -> None:
        self.acks: dict[str, dict[str, Any]] = {}
        self.connected = asyncio.Event()
        self.acked = asyncio.Condition()
        self._socket: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"ws://127.0.0.1:{port}/link"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self.connected.set()
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            async with self.acked:
                self.acks[data["envelope_id"]] = data
                self.acked.notify_all()
        return socket

    async def send(self, envelope: dict[str, Any]) -> None:
        assert self._socket is not None
        await self._socket.send_str(json.dumps(envelope))

    async def ack_for(self, envelope_id: str) -> dict[str, Any]:
        async def wait() -> None:
            async with self.acked:
                await self.acked.wait_for(lambda: envelope_id in self.acks)

        await asyncio.wait_for(wait(), 5)
        return self.acks[envelope_id]


@pytest.fixture
async def socket_slack() -> AsyncIterator[FakeSocketSlack]:
    server = FakeSocketSlack()
    await server.start()
    yield server
    await server.stop()


async def test_mention_and_command_over_socket_mode(
    stub: SlackStub, socket_slack: FakeSocketSlack, knowledge: Knowledge
) -> None:
    stub.socket_url = socket_slack.url
    settings = Settings(bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=stub.api_url)
    bolt = build_app(
        settings=settings, services=build_services(RoleFit(knowledge)), verify_requests=False
    )
    handler = AsyncSocketModeHandler(bolt, APP_TOKEN)
    await handler.connect_async()
    try:
        await asyncio.wait_for(socket_slack.connected.wait(), 5)
        [opened] = stub.of("apps.connections.open")
        assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"

        await socket_slack.send(
            {
                "envelope_id": "env-mention",
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": payloads.envelope(payloads.mention("what is a technical pm?")),
            }
        )
        await socket_slack.send(
            {
                "envelope_id": "env-command",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": payloads.command("compare kpis", response_url=stub.response_url()),
            }
        )
        mention_ack = await socket_slack.ack_for("env-mention")
        assert mention_ack["envelope_id"] == "env-mention"
        command_ack = await socket_slack.ack_for("env-command")
        answer = command_ack["payload"]
        check_message(answer)
        assert answer["response_type"] == "ephemeral"
        assert "KPIs" in answer["text"]

        [post] = await stub.wait_for("chat.postMessage")
        check_message(post.params)
        assert post.params["thread_ts"] == "1700000100.000100"
        assert "Technical Product Manager" in post.params["text"]
    finally:
        await handler.close_async()
