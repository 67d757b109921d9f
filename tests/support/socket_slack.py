"""Slack's end of a Socket Mode connection: accepts the app's websocket, sends envelopes, and
collects the app's acks by envelope id."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import WSMsgType, web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.signing import BOT_TOKEN
from bot.local_slack.standin import LocalSlack, serve_local
from bot.slack.app import build_app, build_services


def events_api(
    envelope_id: str, event: dict[str, Any], *, retry_attempt: int = 0
) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": "timeout" if retry_attempt else "",
        "payload": payloads.envelope(event),
    }


def slash_command(envelope_id: str, command: dict[str, Any]) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": command,
    }


class SocketSlack:
    """Start with `await start()`, point the stand-in's apps.connections.open at `url`."""

    def __init__(self) -> None:
        self.acks: dict[str, dict[str, Any]] = {}
        self.connected = asyncio.Event()
        self._acked = asyncio.Condition()
        self._socket: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner, port = await serve_local(app)
        self.url = f"ws://127.0.0.1:{port}/link"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self.connected.set()
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            async with self._acked:
                self.acks[data["envelope_id"]] = data
                self._acked.notify_all()
        return socket

    async def send(self, envelope: dict[str, Any]) -> None:
        assert self._socket is not None, "the app has not connected"
        await self._socket.send_str(json.dumps(envelope))

    async def ack_for(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        async def wait() -> None:
            async with self._acked:
                await self._acked.wait_for(lambda: envelope_id in self.acks)

        await asyncio.wait_for(wait(), timeout)
        return self.acks[envelope_id]


@asynccontextmanager
async def socket_mode_app(
    server: SocketSlack, *, stub: LocalSlack, knowledge: Knowledge, app_token: str
) -> AsyncIterator[SocketSlack]:
    """The real app connected in Socket Mode to `server` (its Web API calls go to `stub`)."""
    stub.socket_url = server.url
    settings = Settings(bot_token=BOT_TOKEN, app_token=app_token, api_url=stub.api_url)
    bolt = build_app(
        settings=settings, services=build_services(RoleFit(knowledge)), verify_requests=False
    )
    handler = AsyncSocketModeHandler(bolt, app_token)
    await handler.connect_async()
    try:
        await asyncio.wait_for(server.connected.wait(), 5)
        yield server
    finally:
        await handler.close_async()
