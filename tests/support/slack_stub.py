"""A local stand-in for Slack's Web API and response_url endpoint that records every call."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM = "T0TEAM01"

Responder = Callable[["Call"], "tuple[int, dict[str, Any], dict[str, str]] | None"]


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    ok: bool = True
    answered: bool = False

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks


class SlackStub:
    """Answers like Slack: auth.test, chat.*, views.publish, conversations.open, response_url."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responders: list[Responder] = []
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.socket_url: str | None = None
        self._delays: dict[str, float] = {}
        self._drops: dict[str, int] = {}
        self.grants: dict[str, dict[str, Any]] = {}

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _read(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if request.content_type == "application/json":
            data: dict[str, Any] = json.loads(raw or b"{}")
            return data
        return dict(parse_qsl(raw.decode()))

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = Call(method, await self._read(request), dict(request.headers))
        return await self._answer(request, call, lambda: self._default(call))

    async def _response_url(self, request: web.Request) -> web.Response:
        call = Call("response_url", await self._read(request), dict(request.headers))
        call.params["_name"] = request.match_info["name"]
        return await self._answer(request, call, lambda: {"ok": True})

    async def _answer(
        self, request: web.Request, call: Call, default: Callable[[], dict[str, Any]]
    ) -> web.Response:
        await self._record(call)
        if self._drops.get(call.method, 0) > 0:
            self._drops[call.method] -= 1
            call.status, call.ok = 0, False
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        delay = self._delays.get(call.method)
        if delay:
            await asyncio.sleep(delay)
        call.answered = True
        for responder in self.responders:
            answer = responder(call)
            if answer is not None:
                status, body, headers = answer
                call.status, call.ok = status, bool(body.get("ok", True))
                return web.json_response(body, status=status, headers=headers)
        return web.json_response(default())

    def _default(self, call: Call) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        match call.method:
            case "auth.test":
                return {
                    "ok": True,
                    "user_id": BOT_USER,
                    "bot_id": BOT_ID,
                    "team_id": TEAM,
                    "user": "rolefit",
                    "team": "Test",
                    "url": "https://test.slack.com/",
                }
            case "chat.postMessage":
                return {
                    "ok": True,
                    "channel": call.params.get("channel"),
                    "ts": ts,
                    "message": {"ts": ts, "text": call.params.get("text")},
                }
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            case "chat.update":
                return {
                    "ok": True,
                    "channel": call.params.get("channel"),
                    "ts": call.params.get("ts"),
                }
            case "views.publish":
                return {"ok": True, "view": {"id": "V1"}}
            case "conversations.open":
                return {"ok": True, "channel": {"id": "D" + str(call.params.get("users"))[1:]}}
            case "apps.connections.open":
                return {"ok": True, "url": self.socket_url}
            case "oauth.v2.access":
                key = call.params.get("code") or call.params.get("refresh_token")
                return self.grants.get(str(key), {"ok": False, "error": "invalid_code"})
        return {"ok": False, "error": "unknown_method"}

    def grant(
        self, code: str, *, team: str, bot_token: str, installer: str, expires_in: int = 0
    ) -> None:
        """Let `oauth.v2.access` exchange `code` for a bot token of workspace `team`.

        With `expires_in`, the token rotates: it comes with a refresh token, which
        `oauth.v2.access` (grant_type=refresh_token) exchanges for `<bot_token>-refreshed`.
        """
        rotation = {"refresh_token": f"xoxe-1-{code}", "expires_in": expires_in}
        self.grants[f"xoxe-1-{code}"] = {
            "ok": True,
            "token_type": "bot",
            "access_token": f"{bot_token}-refreshed",
            "refresh_token": f"xoxe-1-{code}-next",
            "expires_in": 43200,
            "team": {"id": team},
        }
        self.grants[code] = {
            **(rotation if expires_in else {}),
            "ok": True,
            "app_id": "A0ROLEFIT",
            "authed_user": {"id": installer},
            "scope": "app_mentions:read,chat:write,commands,im:history",
            "token_type": "bot",
            "access_token": bot_token,
            "bot_user_id": BOT_USER,
            "team": {"id": team, "name": f"Workspace {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def tokens(self, method: str) -> list[str]:
        """The bearer token each call of a method was made with."""
        return [c.headers.get("Authorization", "").removeprefix("Bearer ") for c in self.of(method)]

    def fail(self, method: str, error: str, *, times: int | None = None) -> None:
        """Make a method answer like Slack does on an error (ok: false)."""
        remaining = [times]

        def responder(call: Call) -> tuple[int, dict[str, Any], dict[str, str]] | None:
            if call.method != method or remaining[0] == 0:
                return None
            if remaining[0] is not None:
                remaining[0] -= 1
            return 200, {"ok": False, "error": error}, {}

        self.responders.append(responder)

    def rate_limit(self, method: str, *, times: int, retry_after: int = 1) -> None:
        remaining = [times]

        def responder(call: Call) -> tuple[int, dict[str, Any], dict[str, str]] | None:
            if call.method != method or remaining[0] <= 0:
                return None
            remaining[0] -= 1
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}

        self.responders.append(responder)

    def slow(self, method: str, *, seconds: float) -> None:
        """Answer every call of a method (or "response_url") only after `seconds`."""
        self._delays[method] = seconds

    def drop(self, method: str, *, times: int) -> None:
        """Close the connection instead of answering, for the next `times` calls of a method."""
        self._drops[method] = times

    def fail_http(self, method: str, status: int, *, times: int) -> None:
        """Answer the next `times` calls of a method (or "response_url") with an HTTP error."""
        remaining = [times]

        def responder(call: Call) -> tuple[int, dict[str, Any], dict[str, str]] | None:
            if call.method != method or remaining[0] <= 0:
                return None
            remaining[0] -= 1
            return status, {"ok": False, "error": "fatal_error"}, {}

        self.responders.append(responder)

    def delivered(self, method: str) -> list[Call]:
        """Calls of a method that Slack accepted (2xx), leaving out rate-limited or failed ones."""
        return [c for c in self.of(method) if c.ok and 200 <= c.status < 300]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posts(self) -> list[Call]:
        """Everything that puts a message in front of people."""
        return [
            c
            for c in self.calls
            if c.method in {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}
        ]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.of(method)) >= count)

        try:
            await asyncio.wait_for(enough(), timeout)
        except TimeoutError:
            got = [c.method for c in self.calls]
            raise AssertionError(f"expected {count} {method} call(s), got: {got}") from None
        return self.of(method)

    async def settle(self, delay: float = 0.2) -> None:
        """Give lazy listeners time to make calls they should NOT make, before asserting none."""
        await asyncio.sleep(delay)
