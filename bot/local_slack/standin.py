"""The one local Slack: a Web API and response_url stand-in on 127.0.0.1 for the console, the
tests and the benchmarks.

It answers the way Slack does, so the app runs unchanged; it records every call (with its
arrival time, for the benchmarks), can be told to fail, rate limit, drop or slow a method (for
the tests), and keeps the conversation: every message the app posts, edits or deletes becomes a
`Change` on `changes` (for the console). `strict` makes it refuse people, channels, messages and
spent response_urls it does not know, as a workspace with one person would; tests leave it off
so that they can click on messages they made up.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from aiohttp import web

from bot.local_slack.workspace import APP_ID, BOT_ID, BOT_USER, DM, TEAM, USER, USER_NAME, dm_with

RESPONSE_URL_POSTS = 5  # Slack accepts this many posts to one response_url
EPOCH = 1700000000  # message timestamps count up from here

Where = Literal["ephemeral", "posted", "home", "modal"]
Answer = tuple[int, dict[str, Any], dict[str, str]]
Responder = Callable[["Call"], "Answer | None"]


@dataclass
class Call:
    """One request the app made: a Web API method, or "response_url"."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    arrived: float = 0.0
    """time.perf_counter() when the request came in."""
    status: int = 200
    ok: bool = True
    answered: bool = False

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return _blocks(self.params.get("blocks"))


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


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


async def serve_local(app: web.Application) -> tuple[web.AppRunner, int]:
    """Serve `app` on a free port of 127.0.0.1; the runner (to clean up) and the port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert isinstance(server, asyncio.Server), "a TCP site serves on an asyncio.Server"
    return runner, int(server.sockets[0].getsockname()[1])


class LocalSlack:
    """Start with `await start()`, point the app's Web API client at `api_url`."""

    def __init__(self, *, token: str | None = None, strict: bool = False) -> None:
        self.token = token
        self.strict = strict
        self.calls: list[Call] = []
        self.responders: list[Responder] = []
        self.messages: dict[str, Message] = {}
        self.changes: asyncio.Queue[Change] = asyncio.Queue()
        self.socket_url: str | None = None
        self.port = 0
        self._keys = itertools.count(1)
        self._ts = itertools.count(1)
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._delays: dict[str, float] = {}
        self._drops: dict[str, int] = {}
        self._texts: dict[str, tuple[int, int, str]] = {}
        self.grants: dict[str, dict[str, Any]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.typed_in = DM
        """Where the person types: a command's replies (response_url, ack) appear there."""

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        self._runner, self.port = await serve_local(app)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> LocalSlack:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def new_key(self) -> str:
        return f"m{next(self._keys)}"

    def new_ts(self) -> str:
        return f"{EPOCH}.{next(self._ts):06d}"

    def response_url(self, name: str | None = None, *, target: str | None = None) -> str:
        """The response_url called `name` (a fresh one without); its posts act on the message
        `target` (by default the one keyed `name`)."""
        name = name or f"r{next(self._keys)}"
        self._response_urls.setdefault(name, _ResponseUrl(name if target is None else target))
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # -- what the tests and benchmarks read ----------------------------------------------------

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def tokens(self, method: str) -> list[str]:
        """The bearer token each call of a method was made with."""
        return [c.headers.get("Authorization", "").removeprefix("Bearer ") for c in self.of(method)]

    def delivered(self, method: str) -> list[Call]:
        """Calls of a method that Slack accepted (2xx), leaving out rate-limited or failed ones."""
        return [c for c in self.of(method) if c.ok and 200 <= c.status < 300]

    def posts(self) -> list[Call]:
        """Everything that puts a message in front of people."""
        shown = {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}
        return [c for c in self.calls if c.method in shown]

    async def first(self, match: Callable[[Call], bool], *, timeout: float) -> Call:
        """The first call `match` accepts, once it has come (TimeoutError after `timeout`)."""

        def found() -> Call | None:
            return next((c for c in self.calls if match(c)), None)

        async def arrival() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: found() is not None)

        await asyncio.wait_for(arrival(), timeout)
        call = found()
        assert call is not None
        return call

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """The calls of `method` once there are `count` of them."""
        try:
            await self.first(lambda _: len(self.of(method)) >= count, timeout=timeout)
        except TimeoutError:
            got = [c.method for c in self.calls]
            raise AssertionError(f"expected {count} {method} call(s), got: {got}") from None
        return self.of(method)

    async def settle(self, delay: float = 0.2) -> None:
        """Give lazy listeners time to make calls they should NOT make, before asserting none."""
        await asyncio.sleep(delay)

    # -- failure modes -------------------------------------------------------------------------

    def _answer_next(self, method: str, times: int | None, answer: Answer) -> None:
        """Answer the next `times` calls of `method` (all of them with None) with `answer`."""
        remaining = [times]

        def responder(call: Call) -> Answer | None:
            if call.method != method or remaining[0] == 0:
                return None
            if remaining[0] is not None:
                remaining[0] -= 1
            return answer

        self.responders.append(responder)

    def fail(self, method: str, error: str, *, times: int | None = None) -> None:
        """Make a method answer like Slack does on an error (ok: false)."""
        self._answer_next(method, times, (200, {"ok": False, "error": error}, {}))

    def rate_limit(self, method: str, *, times: int, retry_after: float | str = 1) -> None:
        answer = (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        self._answer_next(method, times, answer)

    def fail_http(self, method: str, status: int, *, times: int) -> None:
        """Answer the next `times` calls of a method (or "response_url") with an HTTP error."""
        self._answer_next(method, times, (status, {"ok": False, "error": "fatal_error"}, {}))

    def fail_text(self, method: str, status: int, *, times: int, body: str = "bad gateway") -> None:
        """Answer the next `times` calls of a method with an HTTP error whose body is not JSON,
        as a proxy in front of Slack does."""
        self._texts[method] = (times, status, body)

    def slow(self, method: str, *, seconds: float) -> None:
        """Answer every call of a method (or "response_url") only after `seconds`."""
        self._delays[method] = seconds

    def drop(self, method: str, *, times: int) -> None:
        """Close the connection instead of answering, for the next `times` calls of a method."""
        self._drops[method] = times

    # -- HTTP ----------------------------------------------------------------------------------

    async def _read(self, request: web.Request) -> dict[str, Any]:
        """Arguments from the query string and the body, as Slack takes them from either."""
        raw = await request.read()
        if request.content_type == "application/json":
            body = dict(json.loads(raw or b"{}"))
        else:
            body = dict(parse_qsl(raw.decode()))
        return {**request.query, **body}

    async def _api(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        call = Call(
            request.match_info["method"], await self._read(request), dict(request.headers), arrived
        )
        return await self._answer(request, call, lambda: (200, self._authorized_call(call)))

    async def _response_url(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        call = Call("response_url", await self._read(request), dict(request.headers), arrived)
        name = request.match_info["name"]
        call.params["_name"] = name
        return await self._answer(request, call, lambda: self._post_to(name, call.params))

    async def _answer(
        self,
        request: web.Request,
        call: Call,
        default: Callable[[], tuple[int, dict[str, Any]]],
    ) -> web.Response:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if self._drops.get(call.method, 0) > 0:
            self._drops[call.method] -= 1
            call.status, call.ok = 0, False
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        times, status, text = self._texts.get(call.method, (0, 0, ""))
        if times > 0:
            self._texts[call.method] = (times - 1, status, text)
            call.status, call.ok, call.answered = status, False, True
            return web.Response(status=status, text=text, content_type="text/html")
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
        status, body = default()
        call.status, call.ok = status, bool(body.get("ok", True))
        return web.json_response(body, status=status)

    def _authorized_call(self, call: Call) -> dict[str, Any]:
        if self.token is not None and call.headers.get("Authorization") != f"Bearer {self.token}":
            return {"ok": False, "error": "invalid_auth"}
        return self.call(call.method, call.params)

    def _post_to(self, name: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        state = self._response_urls.get(name)
        if state is None and self.strict:
            return 404, {"ok": False, "error": "expired_url"}
        state = state or self._response_urls.setdefault(name, _ResponseUrl(name))
        if self.strict and state.posts >= RESPONSE_URL_POSTS:
            return 404, {"ok": False, "error": "used_url"}
        state.posts += 1
        self.respond(state.target, payload)
        return 200, {"ok": True}

    # -- the conversation ----------------------------------------------------------------------

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

    def _knows(self, user: Any) -> bool:
        return user == USER or (not self.strict and bool(user))

    def _channel(self, channel: Any) -> str | None:
        """A user id posts to the DM with that user, as in Slack."""
        channel = str(channel or "")
        if channel.startswith(("U", "W")) and self._knows(channel):
            return dm_with(channel)
        return channel or None

    # -- Web API -------------------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One Web API method, answered the way Slack answers it."""
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(self, params)

    def _auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://rolefit-local.invalid/",
            "team": "RoleFit local",
            "user": "rolefit",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not _blocks(params.get("blocks")):
            return {"ok": False, "error": "no_text"}
        message = self._new_message("posted", channel, params)
        return {"ok": True, "channel": channel, "ts": message.ts, "message": message.content()}

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not self._knows(params.get("user")):
            return {"ok": False, "error": "user_not_in_channel"}
        message = self._new_message("ephemeral", channel, params)
        return {"ok": True, "message_ts": message.ts}

    def _new_message(self, where: Where, channel: str, params: dict[str, Any]) -> Message:
        """A message the app just sent, shown and announced."""
        message = Message(
            key=self.new_key(),
            where=where,
            channel=channel,
            ts=self.new_ts(),
            thread_ts=params.get("thread_ts") or None,
            text=str(params.get("text") or ""),
            blocks=_blocks(params.get("blocks")),
        )
        self.show(message)
        return message

    def _edit(
        self, params: dict[str, Any], change: Callable[[Message], dict[str, Any]]
    ) -> dict[str, Any]:
        """chat.update and chat.delete: `change` the posted message at channel and ts. One the
        stand-in never saw is not found when strict, and taken as edited when lenient."""
        channel = self._channel(params.get("channel")) or ""
        ts = str(params.get("ts") or "")
        found = self._posted(channel, ts)
        if found is None and self.strict:
            return {"ok": False, "error": "message_not_found"}
        changed = change(found) if found is not None else {}
        return {"ok": True, "channel": channel, "ts": ts, **changed}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        def update(found: Message) -> dict[str, Any]:
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
            return {"text": updated.text, "message": updated.content()}

        return self._edit(params, update)

    def _delete_message(self, params: dict[str, Any]) -> dict[str, Any]:
        def delete(found: Message) -> dict[str, Any]:
            self._delete(found.key)
            return {}

        return self._edit(params, delete)

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self._knows(params.get("user_id")):
            return {"ok": False, "error": "user_not_found"}
        view = _json(params.get("view"))
        self.show(
            Message(key="home", where="home", blocks=list(view.get("blocks") or []), view=view),
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
        user = next((u for u in str(params.get("users") or "").split(",") if self._knows(u)), "")
        if not user:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": dm_with(user), "is_im": True, "user": user}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._channel(params.get("channel")) != DM:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": DM, "is_im": True, "user": USER}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = params.get("user")
        if not self._knows(user):
            return {"ok": False, "error": "user_not_found"}
        name = USER_NAME if user == USER else str(user).lower()
        return {
            "ok": True,
            "user": {
                "id": user,
                "team_id": TEAM,
                "name": name,
                "real_name": name.title(),
                "tz": "UTC",
                "is_bot": False,
                "profile": {"real_name": name.title(), "display_name": name},
            },
        }

    def _connections_open(self, _: dict[str, Any]) -> dict[str, Any]:
        if self.socket_url is None:
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_url}

    def _ok(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

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
            "app_id": APP_ID,
            "authed_user": {"id": installer},
            "scope": "app_mentions:read,chat:write,commands,im:history",
            "token_type": "bot",
            "access_token": bot_token,
            "bot_user_id": BOT_USER,
            "team": {"id": team, "name": f"Workspace {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _oauth_access(self, params: dict[str, Any]) -> dict[str, Any]:
        key = params.get("code") or params.get("refresh_token")
        return self.grants.get(str(key), {"ok": False, "error": "invalid_code"})


_METHODS: dict[str, Callable[[LocalSlack, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": LocalSlack._auth_test,
    "chat.postMessage": LocalSlack._post_message,
    "chat.postEphemeral": LocalSlack._post_ephemeral,
    "chat.update": LocalSlack._update,
    "chat.delete": LocalSlack._delete_message,
    "views.publish": LocalSlack._views_publish,
    "views.open": LocalSlack._views_open,
    "views.push": LocalSlack._views_open,
    "conversations.open": LocalSlack._conversations_open,
    "conversations.info": LocalSlack._conversations_info,
    "users.info": LocalSlack._users_info,
    "apps.connections.open": LocalSlack._connections_open,
    "oauth.v2.access": LocalSlack._oauth_access,
    "reactions.add": LocalSlack._ok,
    "reactions.remove": LocalSlack._ok,
}
