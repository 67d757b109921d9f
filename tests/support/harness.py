"""The real app on a real socket (in this process, or as `rolefit serve`), pointed at the Web API
stand-in, driven by signed requests."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.launcher import LocalServer, launch, server_env
from bot.local_slack.signing import (
    BOT_TOKEN,
    FORM,
    JSON,
    SIGNING_SECRET,
    form_body,
    json_body,
    payload_body,
    signed_headers,
)
from bot.local_slack.standin import Call, LocalSlack, serve_local
from bot.slack.app import build_http_app, build_services
from bot.slack.services import Services
from handlers.messages import UNDELIVERED


class RunningApp:
    """Start with `await RunningApp.start(stub, knowledge)`; stop with `await app.stop()`."""

    def __init__(self, stub: LocalSlack, services: Services) -> None:
        self.stub = stub
        self.services = services
        self.port = 0
        self._runner: web.AppRunner | None = None
        self.session: aiohttp.ClientSession | None = None

    @classmethod
    async def start(
        cls, stub: LocalSlack, knowledge: Knowledge, *, services: Services | None = None
    ) -> RunningApp:
        services = services or build_services(RoleFit(knowledge))
        settings = Settings(
            bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=stub.api_url
        )
        running = cls(stub, services)
        web_app = build_http_app(settings=settings, services=services)
        running._runner, running.port = await serve_local(web_app)
        running.session = aiohttp.ClientSession()
        return running

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def post(
        self,
        body: str,
        *,
        content_type: str,
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        assert self.session is not None
        sent = (
            signed_headers(body, content_type=content_type, timestamp=timestamp)
            if signed
            else {"Content-Type": content_type}
        )
        sent.update(headers or {})
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            return response.status, await response.text()

    async def command(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """Send `/rolefit text`; return the ack's JSON body (the ephemeral answer)."""
        kwargs.setdefault("response_url", self.stub.response_url("cmd"))
        status, body = await self.post(
            form_body(payloads.command(text, **kwargs)), content_type=FORM
        )
        assert status == 200, (status, body)
        return json.loads(body) if body else {}

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        data = payloads.envelope(event, event_id=event_id)
        status, _ = await self.post(json_body(data), content_type=JSON, headers=headers)
        return status

    async def click(self, button: dict[str, Any], **kwargs: Any) -> int:
        kwargs.setdefault("response_url", self.stub.response_url("click"))
        payload = payloads.block_action(button, **kwargs)
        status, _ = await self.post(payload_body(payload), content_type=FORM)
        return status

    async def interact(self, payload: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        """Any interactivity payload (a submission, a shortcut), form-encoded and signed."""
        return await self.post(payload_body(payload), content_type=FORM, **kwargs)


async def start_serve(stub: LocalSlack, **env: str) -> LocalServer:
    """`rolefit serve` as its own process, pointed at `stub`, logging at INFO unless told."""
    return await launch(env=server_env(api_url=stub.api_url, **{"LOG_LEVEL": "INFO", **env}))


async def send_event(server: LocalServer, event: dict[str, Any]) -> int:
    """Post one signed Events API envelope around `event`; the HTTP status."""
    body = json_body(payloads.envelope(event))
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{server.url}/slack/events",
            data=body.encode(),
            headers=signed_headers(body, content_type=JSON),
        ) as response,
    ):
        return response.status


async def refuses(server: LocalServer) -> bool:
    """True once a new request is turned away (connection refused, or 503 while draining)."""
    try:
        async with aiohttp.ClientSession() as fresh, fresh.get(f"{server.url}/healthz") as resp:
            return resp.status == 503
    except aiohttp.ClientError:
        return True


async def mention_while_posts_fail(
    app: RunningApp,
    stub: LocalSlack,
    caplog: pytest.LogCaptureFixture,
    *,
    ts: str,
    meanwhile: Callable[[], Awaitable[None]] | None = None,
) -> tuple[list[Call], list[logging.LogRecord]]:
    """Mention RoleFit while `stub` fails every chat.postMessage (set up by the caller), and wait
    for the private note that tells the asker; the notes, and the warnings about the failure."""
    with caplog.at_level(logging.WARNING, logger="rolefit.handlers"):
        assert await app.event(payloads.mention("what is a tpm?", ts=ts)) == 200
        if meanwhile is not None:
            await meanwhile()
        notes = await stub.wait_for("chat.postEphemeral", timeout=10)
    assert notes[0].params["text"] == UNDELIVERED
    assert stub.delivered("chat.postMessage") == []
    return notes, [r for r in caplog.records if "chat.postMessage failed" in r.getMessage()]
