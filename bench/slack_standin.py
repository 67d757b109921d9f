"""A minimal Slack Web API stand-in on 127.0.0.1, run inside the benchmark process.

It answers what the servers under test call (auth.test once, chat.postMessage for mentions,
anything else with ok) and notes when each chat.postMessage arrives, by thread, so the mention
benchmark can time event-to-reply on one clock.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bench.signing import BOT_ID, BOT_USER, TEAM


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._waiting: dict[str, asyncio.Future[float]] = {}
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def expect_reply(self, thread_ts: str) -> asyncio.Future[float]:
        """A future set to the perf_counter time a chat.postMessage in `thread_ts` arrives."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[thread_ts] = future
        return future

    async def _api(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        method = request.match_info["method"]
        self.calls[method] += 1
        raw = await request.read()
        if request.content_type == "application/json":
            params: dict[str, Any] = json.loads(raw or b"{}")
        else:
            params = dict(parse_qsl(raw.decode()))
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": TEAM, "team": "B"}
            )
        if method == "chat.postMessage":
            waiter = self._waiting.pop(str(params.get("thread_ts")), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(arrived)
            ts = f"1700000000.{next(self._ts):06d}"
            return web.json_response({"ok": True, "channel": params.get("channel"), "ts": ts})
        return web.json_response({"ok": True})
