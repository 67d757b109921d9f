"""The console's own Slack: a Web API and response_url stand-in on 127.0.0.1 that keeps the
conversation the app is having, so the console can show it. It answers like Slack does, so the
app runs unchanged; every message the app posts, edits or deletes becomes a `Change`."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from aiohttp import web

TEAM = "T0CONSOLE0"
USER = "U0CONSOLE0"
USER_NAME = "you"
BOT_USER = "U0ROLEFIT0"
BOT_ID = "B0ROLEFIT0"
DM = "D0CONSOLE0"
APP_ID = "A0ROLEFIT0"
RESPONSE_URL_POSTS = 5  # Slack accepts this many posts to one response_url

Where = Literal["ephemeral", "posted", "home", "modal"]


@dataclass
class Message:
    """One thing the person can see: a message (ephemeral or posted) or a view."""

    key: str
    where: Where
    channel: str = DM
    ts: str = ""
    thread_ts: str | None = None
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    view: dict[str, Any] | None = None

    def content(self) -> dict[str, Any]:
        """The message as Slack includes it in a block_actions payload."""
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "ts": self.ts,
            "text": self.text,
            "blocks": self.blocks,
        }
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        return message


@dataclass(frozen=True)
class Change:
    kind: Literal["new", "updated", "deleted"]
    message: Message


@dataclass
class _ResponseUrl:
    target: str | None
    posts: int = 0


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return dict(value or {})


class ConsoleSlack:
    """Start with `await start()`; changes arrive on `changes` in the order Slack shows them."""

    def __init__(self, *, token: str) -> None:
        self.token = token
        self.messages: dict[str, Message] = {}
        self.changes: asyncio.Queue[Change] = asyncio.Queue()
        self._keys = itertools.count(1)
        self._ts = itertools.count(1)
        self._epoch = int(time.time())
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.typed_in = DM
        """Where the person types: a command's replies (response_url, ack) appear there."""

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

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

    def new_key(self) -> str:
        return f"m{next(self._keys)}"

    def new_ts(self) -> str:
        return f"{self._epoch}.{next(self._ts):06d}"

    def response_url(self, target: str | None) -> str:
        """A fresh response_url for one request; posts to it act on the `target` message."""
        name = f"r{next(self._keys)}"
        self._response_urls[name] = _ResponseUrl(target)
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def show(self, message: Message, *, replace: bool = False, announce: bool = True) -> Change:
        """Record a message the person now sees; announce it on `changes` unless told not to."""
        kind: Literal["new", "updated"] = (
            "updated" if replace and message.key in self.messages else "new"
        )
        self.messages[message.key] = message
        change = Change(kind, message)
        if announce:
            self.changes.put_nowait(change)
        return change

    def _delete(self, key: str) -> None:
        message = self.messages.pop(key, None)
        if message is not None:
            self.changes.put_nowait(Change("deleted", message))

    def _posted(self, channel: str, ts: str) -> Message | None:
        return next(
            (
                m
                for m in self.messages.values()
                if m.where == "posted" and m.channel == channel and m.ts == ts
            ),
            None,
        )

    def _channel(self, channel: Any) -> str | None:
        """A user id posts to the DM with that user, as in Slack."""
        channel = str(channel or "")
        if channel in {USER, DM}:
            return DM
        return channel or None

    # -- Web API -------------------------------------------------------------------------------

    async def _read(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if request.content_type == "application/json":
            return json.loads(raw or b"{}")
        return dict(parse_qsl(raw.decode()))

    async def _api(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        params = await self._read(request)
        return web.json_response(self.call(request.match_info["method"], params))

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One Web API method, answered the way Slack answers it."""
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(self, params)

    def _auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://console.invalid/",
            "team": "RoleFit console",
            "user": "rolefit",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        blocks = _blocks(params.get("blocks"))
        if not params.get("text") and not blocks:
            return {"ok": False, "error": "no_text"}
        message = Message(
            key=self.new_key(),
            where="posted",
            channel=channel,
            ts=self.new_ts(),
            thread_ts=params.get("thread_ts") or None,
            text=str(params.get("text") or ""),
            blocks=blocks,
        )
        self.show(message)
        return {"ok": True, "channel": channel, "ts": message.ts, "message": message.content()}

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if params.get("user") != USER:
            return {"ok": False, "error": "user_not_in_channel"}
        message = Message(
            key=self.new_key(),
            where="ephemeral",
            channel=channel,
            ts=self.new_ts(),
            thread_ts=params.get("thread_ts") or None,
            text=str(params.get("text") or ""),
            blocks=_blocks(params.get("blocks")),
        )
        self.show(message)
        return {"ok": True, "message_ts": message.ts}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params.get("channel")) or ""
        found = self._posted(channel, str(params.get("ts") or ""))
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        updated = Message(
            key=found.key,
            where="posted",
            channel=found.channel,
            ts=found.ts,
            thread_ts=found.thread_ts,
            text=str(params.get("text") or found.text),
            blocks=_blocks(params["blocks"]) if "blocks" in params else found.blocks,
        )
        self.show(updated, replace=True)
        return {
            "ok": True,
            "channel": channel,
            "ts": found.ts,
            "text": updated.text,
            "message": updated.content(),
        }

    def _delete_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params.get("channel")) or ""
        found = self._posted(channel, str(params.get("ts") or ""))
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        self._delete(found.key)
        return {"ok": True, "channel": channel, "ts": found.ts}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("user_id") != USER:
            return {"ok": False, "error": "user_not_found"}
        view = _json(params.get("view"))
        key = "home"
        self.show(
            Message(key=key, where="home", blocks=list(view.get("blocks") or []), view=view),
            replace=True,
        )
        return {"ok": True, "view": {"id": "V0HOME0000", **view}}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _json(params.get("view"))
        message = Message(
            key=self.new_key(), where="modal", blocks=list(view.get("blocks") or []), view=view
        )
        self.show(message)
        return {"ok": True, "view": {"id": f"V{message.key.upper()}", **view}}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if USER not in str(params.get("users") or "").split(","):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": DM, "is_im": True, "user": USER}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._channel(params.get("channel")) != DM:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": DM, "is_im": True, "user": USER}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("user") != USER:
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": USER,
                "team_id": TEAM,
                "name": USER_NAME,
                "real_name": "You",
                "tz": "UTC",
                "is_bot": False,
                "profile": {"real_name": "You", "display_name": USER_NAME},
            },
        }

    def _ok(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    # -- response_url --------------------------------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.Response:
        state = self._response_urls.get(request.match_info["name"])
        if state is None:
            return web.Response(status=404, text="expired_url")
        if state.posts >= RESPONSE_URL_POSTS:
            return web.Response(status=404, text="used_url")
        state.posts += 1
        payload = await self._read(request)
        self.respond(state.target, payload)
        return web.Response(text="ok")

    def respond(
        self, target: str | None, payload: dict[str, Any], *, announce: bool = True
    ) -> Change | None:
        """What Slack does with a post to a response_url (or with a command's ack body)."""
        original = self.messages.get(target) if target else None
        if _flag(payload.get("delete_original")):
            if original is not None:
                self._delete(original.key)
            return None
        text, blocks = str(payload.get("text") or ""), _blocks(payload.get("blocks"))
        if _flag(payload.get("replace_original")) and original is not None:
            replaced = Message(
                key=original.key,
                where=original.where,
                channel=original.channel,
                ts=original.ts,
                thread_ts=original.thread_ts,
                text=text,
                blocks=blocks,
            )
            return self.show(replaced, replace=True, announce=announce)
        public = payload.get("response_type") == "in_channel"
        key = target if target and original is None else self.new_key()
        return self.show(
            Message(
                key=key,
                where="posted" if public else "ephemeral",
                channel=original.channel if original else self.typed_in,
                ts=self.new_ts(),
                thread_ts=original.thread_ts if original else None,
                text=text,
                blocks=blocks,
            ),
            announce=announce,
        )


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


_METHODS = {
    "auth.test": ConsoleSlack._auth_test,
    "chat.postMessage": ConsoleSlack._post_message,
    "chat.postEphemeral": ConsoleSlack._post_ephemeral,
    "chat.update": ConsoleSlack._update,
    "chat.delete": ConsoleSlack._delete_message,
    "views.publish": ConsoleSlack._views_publish,
    "views.open": ConsoleSlack._views_open,
    "views.push": ConsoleSlack._views_open,
    "conversations.open": ConsoleSlack._conversations_open,
    "conversations.info": ConsoleSlack._conversations_info,
    "users.info": ConsoleSlack._users_info,
    "reactions.add": ConsoleSlack._ok,
    "reactions.remove": ConsoleSlack._ok,
}
