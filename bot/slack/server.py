"""HTTP mode: one aiohttp endpoint for everything Slack sends, plus a health check.

Every request passes a gate before Bolt sees it, in this order, each step only for requests that
passed the one before:

1. size: over 1 MiB is 413 (checked on Content-Length, and enforced while reading);
2. signature: missing, malformed, wrong or stale (over 5 minutes either way) is 401;
3. replay: a signature already seen is 401. A signature covers the timestamp and the body, and is
   only accepted while the timestamp is fresh, so it is remembered until then in a bounded
   `SeenStore` (bot/slack/dedup.py) that never forgets early: when it is full, 503. With the
   default in-memory store, a request signed before this process started is 401 too (it may
   have been served before a restart). Only verified signatures are recorded, so junk cannot
   fill the record;
4. shape: a body that is not UTF-8, not a JSON object, not form fields, whose `payload` is not a
   JSON object, or that Bolt cannot read, is 400. Only signed requests get this far, so an unsigned
   caller learns nothing about parsing: it always gets the same 401.

A request that passed is then offered to `quick_answer` (handlers/commands.py), which answers a
`/rolefit` command straight from the gate's reading of the body: it needs no Web API call, and
Bolt's dispatch would cost as much CPU as finding the answer. Whatever it declines (None) goes to
Bolt. Bolt verifies the signature again (cheap, and it keeps the Bolt app safe wherever it is
mounted).
Bolt reads form bodies with a shortcut that loses a slash command whose text contains the word
"payload"; when its reading differs from the gate's, Bolt is handed the gate's reading as JSON,
signed afresh with the same timestamp.

`GET /healthz` answers 503 while the replica drains; with shared stores (REDIS_URL, DATABASE_URL)
it also asks the injected `stores` callable (bot/slack/health.py) and names a store that is down
as `degraded`, still with 200: every replica shares the same stores, so a 503 would take them all
out of the load balancer at once, while each keeps answering without the store (de-duplicating
in its own memory, holding feedback back).

Shutdown: once aiohttp stops listening, new requests on open connections get 503, and the
requests in flight plus the Bolt lazy listeners they started get `shutdown_timeout` seconds in
total to finish (bot/slack/inflight.py) before the rest are cancelled.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.cards.common import message_json
from bot.cards.mrkdwn import is_channel_id, is_user_id
from bot.slack.dedup import MemorySeen, SeenStore, StoreFull
from bot.slack.inflight import InFlight, inflight_of

logger = logging.getLogger("rolefit.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024
FRESHNESS = 5 * 60
REPLAY_MAX_KEYS = 100_000
MAX_DEPTH = 64
SHUTDOWN_TIMEOUT = 10.0
HEADER_TIMEOUT = 10.0
"""Seconds a connection may take to send a request's headers (also the idle keep-alive)."""
BODY_TIMEOUT = 10.0
"""Seconds a request may take to send its body once its headers are in."""
LINGER_TIMEOUT = 1.0
"""Seconds spent reading the rest of a refused body, so the client can read the refusal."""

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_JSON = "application/json"
_TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
_SIGNATURE_HEADER = "X-Slack-Signature"

INFLIGHT = web.AppKey("inflight", InFlight)
"""The web app's record of requests and listeners in flight (tests wait on it)."""

BOLT = web.AppKey("bolt", AsyncApp)

QuickAnswer = Callable[[dict[str, Any]], dict[str, Any] | None]
"""Answers a request from its body alone, or returns None to hand it to Bolt (handlers/)."""


StoreStatus = Callable[[], Awaitable[Mapping[str, bool]]]
"""Each shared store's name, with True while it answers (bot/slack/health.py StoreHealth)."""


class MalformedBody(ValueError):
    """A signed body the app cannot read; its message says why (for the log, not the caller)."""


@dataclass(frozen=True)
class Rejection:
    status: int
    reason: str
    quiet: bool = False
    """Logged at DEBUG: a client that hung up is nothing an operator can act on."""

    def logged_response(self) -> web.Response:
        level = logging.DEBUG if self.quiet else logging.INFO
        logger.log(level, "refused a request: %s", self.reason, extra={"status": self.status})
        return self.response()

    def response(self) -> web.Response:
        public = {
            401: "invalid request",
            408: "request timed out",
            413: "request too large",
            503: "busy, try again",
        }
        body = {"error": public.get(self.status, self.reason)}
        headers = {"Retry-After": "5"} if self.status == 503 else None
        return web.json_response(body, status=self.status, headers=headers)


def sign(raw: bytes, timestamp: str, secret: str) -> str:
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signature_problem(
    raw: bytes, *, timestamp: str | None, signature: str | None, secret: str, now: float
) -> str | None:
    """Why a request's signature is not acceptable, or None when it is."""
    if not timestamp or not signature:
        return "unsigned"
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return "malformed signature headers"
    if abs(now - int(timestamp)) > FRESHNESS:
        return "stale timestamp"
    if not hmac.compare_digest(sign(raw, timestamp, secret), signature):
        return "wrong signature"
    return None


def _check_tree(node: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise MalformedBody("nested too deeply")
    if isinstance(node, str):
        try:
            node.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedBody("text that is not valid Unicode") from None
    elif isinstance(node, dict):
        for key, value in node.items():
            _check_tree(key, depth + 1)
            _check_tree(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            _check_tree(value, depth + 1)


# Where Slack always sends an object, a list of objects, or a string, nothing else is accepted
# (null aside): Bolt's middleware and the listeners read these fields without checking.
_OBJECT_FIELDS = ("event", "team", "user", "channel", "container", "view", "message", "enterprise")
_LIST_FIELDS = ("authorizations", "actions", "response_urls")
# Slack itself sends `"enterprise": null` outside Enterprise Grid, and Bolt reads it with care.
_NULLABLE = frozenset({"enterprise"})
_STRING_FIELDS = (
    "type",
    "token",
    "team_id",
    "user_id",
    "channel_id",
    "enterprise_id",
    "event_id",
    "api_app_id",
    "command",
    "text",
    "response_url",
    "trigger_id",
)
_EVENT_STRING_FIELDS = ("type", "subtype", "text", "ts", "thread_ts", "event_ts", "channel_type")
_EVENT_ID_FIELDS = ("user", "channel", "team", "bot_id", "tab")


_KINDS: dict[str, tuple[type, ...]] = {
    **{field: (dict,) for field in _OBJECT_FIELDS},
    **{field: (str,) for field in _STRING_FIELDS},
    **{field: (list,) for field in _LIST_FIELDS},
}
_EVENT_KINDS: dict[str, tuple[type, ...]] = {
    **{field: (str,) for field in _EVENT_STRING_FIELDS},
    **{field: (str, dict) for field in _EVENT_ID_FIELDS},
}


def _check_fields(data: dict[str, Any], kinds: dict[str, tuple[type, ...]], where: str) -> None:
    for field in kinds.keys() & data.keys():
        value = data[field]
        if value is None and kinds[field] == (dict,) and field not in _NULLABLE:
            raise MalformedBody(f"{where}{field} is null")
        if value is not None and not isinstance(value, kinds[field]):
            raise MalformedBody(f"{where}{field} is a {type(value).__name__}")


_ANY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_ID_RULES: dict[str, Callable[[object], bool]] = {
    "user": is_user_id,
    "channel": is_channel_id,
    "other": lambda value: isinstance(value, str) and _ANY_ID.fullmatch(value) is not None,
}
# Every id a listener, Bolt or a log line reads, with the rule it must pass (when present).
_ID_PATHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("user", ("user_id",)),
    ("user", ("user", "id")),
    ("user", ("event", "user")),
    ("channel", ("channel_id",)),
    ("channel", ("channel", "id")),
    ("channel", ("container", "channel_id")),
    ("channel", ("event", "channel")),
    ("other", ("team_id",)),
    ("other", ("team", "id")),
    ("other", ("user", "team_id")),
    ("other", ("event", "team")),
    ("other", ("enterprise_id",)),
    ("other", ("api_app_id",)),
    ("other", ("event_id",)),
    ("other", ("view", "id")),
    ("other", ("container", "view_id")),
)
# Fields inside objects that listeners read as text (ts, thread_ts, action ids, values).
_NESTED_STRINGS: tuple[tuple[str, str], ...] = (
    ("user", "id"),
    ("user", "team_id"),
    ("channel", "id"),
    ("team", "id"),
    ("container", "type"),
    ("container", "channel_id"),
    ("container", "message_ts"),
    ("container", "thread_ts"),
    ("container", "view_id"),
    ("message", "ts"),
    ("message", "thread_ts"),
    ("view", "id"),
    ("view", "type"),
    ("view", "callback_id"),
)


def _by_first_step(
    paths: Sequence[tuple[str, tuple[str, ...]]],
) -> tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]:
    """The paths grouped by the field they start from, in their order: one lookup per field
    rules most of them out (a slash command has none of the objects), and it runs on every
    request."""
    groups: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for what, path in paths:
        groups.setdefault(path[0], []).append((what, path))
    return tuple((first, tuple(group)) for first, group in groups.items())


_ID_GROUPS = _by_first_step(_ID_PATHS)
_NESTED_GROUPS = _by_first_step([("", path) for path in _NESTED_STRINGS])
_ACTION_STRINGS = ("action_id", "block_id", "value", "type", "action_ts")


def _at(data: dict[str, Any], path: tuple[str, ...]) -> object:
    node: object = data
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


_URL = re.compile(r"https?://[!-~]{1,2000}")


def _check_ids(data: dict[str, Any]) -> None:
    """Ids go into mentions, channels and log lines: only Slack's own shapes, of bounded length."""
    for first, group in _ID_GROUPS:
        if data.get(first) is None:
            continue
        for rule, path in group:
            value = _at(data, path)
            if value is None or value == "" or (isinstance(value, dict) and first == "event"):
                continue
            if not _ID_RULES[rule](value):
                raise MalformedBody(f"{'.'.join(path)} is not a Slack id")
    url = data.get("response_url")
    if url and not _URL.fullmatch(url):
        raise MalformedBody("response_url is not a URL")


# What Bolt reads without checking, once it has seen the payload's type: never empty or null.
_REQUIRED = {
    "event_callback": "event",
    "block_actions": "actions",
    "interactive_message": "actions",
    "view_submission": "view",
    "view_closed": "view",
}


# The id Bolt matches a listener on, read without checking, by payload type.
_NAMED_BY: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "shortcut",
            "message_action",
            "interactive_message",
            "dialog_submission",
            "dialog_cancellation",
            "workflow_step_edit",
        ),
        ("callback_id",),
    ),
}


def _check_nested_strings(data: dict[str, Any]) -> None:
    for parent, group in _NESTED_GROUPS:
        node = data.get(parent)
        if not isinstance(node, dict):
            continue
        for _, (_, field) in group:
            value = node.get(field)
            if value is not None and not isinstance(value, str):
                raise MalformedBody(f"{parent}.{field} is a {type(value).__name__}")


def _check_shape(data: dict[str, Any]) -> None:
    _check_fields(data, _KINDS, "")
    for field in _LIST_FIELDS:
        for item in data.get(field) or ():
            if not isinstance(item, dict):
                raise MalformedBody(f"{field} item is a {type(item).__name__}")
    for item in data.get("actions") or ():
        _check_fields(item, dict.fromkeys(_ACTION_STRINGS, (str,)), "actions.")
    _check_nested_strings(data)
    kind = data.get("type") or ""
    required = _REQUIRED.get(kind)
    if required is not None and not data.get(required):
        raise MalformedBody(f"{kind} without {required}")
    if required == "event" and not isinstance(data["event"].get("type"), str):
        raise MalformedBody("event without a type")
    if kind == "block_actions" and not isinstance(data["actions"][0].get("action_id"), str):
        raise MalformedBody("an action without an action_id")
    named = _NAMED_BY.get(kind)
    if named is not None and not isinstance(_at(data, named), str):
        raise MalformedBody(f"{kind} without {'.'.join(named)}")
    event = data.get("event")
    if event:
        _check_fields(event, _EVENT_KINDS, "event.")
    _check_ids(data)


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedBody(f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedBody(f"{what} is not a JSON object")
    return data


def _form_fields(text: str) -> dict[str, str]:
    """`dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict"))`,
    at a third of the cost: most fields of a slash command need no unquoting, so none is tried."""
    fields: dict[str, str] = {}
    if not text:
        return fields
    try:
        for pair in text.split("&"):
            name, equals, value = pair.partition("=")
            if not equals:
                raise ValueError("a field without '='")
            if "+" in name or "%" in name:
                name = unquote(name.replace("+", " "), errors="strict")
            if "+" in value or "%" in value:
                value = unquote(value.replace("+", " "), errors="strict")
            fields[name] = value
    except ValueError:
        raise MalformedBody("form fields are malformed") from None
    return fields


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """What Slack sent: a JSON object (events), form fields (commands), or form `payload` JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody("body is not UTF-8") from None
    if not text.strip():
        raise MalformedBody("empty body")
    if content_type == _JSON or text.startswith("{"):
        data = _json_object(text, "body")
    else:
        data = _form_fields(text)
        # Form values are flat strings decoded strictly from UTF-8: no depth, no lone surrogates.
        if "payload" not in data:
            _check_shape(data)
            return data
        data = _json_object(data["payload"], "payload")
    _check_tree(data)
    _check_shape(data)
    return data


def _bolt_headers(request: web.Request) -> dict[str, str]:
    """Request headers for Bolt, without the ones that make Bolt skip the ack and run lazily."""
    return {
        name.lower(): value
        for name, value in request.headers.items()
        if not name.lower().startswith("x-slack-bolt-")
    }


def bolt_request(
    raw: bytes, parsed: dict[str, Any], *, headers: dict[str, str], query: str, secret: str
) -> AsyncBoltRequest:
    """A Bolt request that reads as `parsed`; raises MalformedBody when Bolt cannot read it."""
    bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
    try:
        request = AsyncBoltRequest(body=raw.decode("utf-8"), query=query, headers=bolt_headers)
        if request.body == parsed:
            return request
        as_json = json.dumps(parsed, ensure_ascii=False)
        timestamp = headers["x-slack-request-timestamp"]
        bolt_headers = {
            **headers,
            "content-type": _JSON,
            "x-slack-signature": sign(as_json.encode(), timestamp, secret),
        }
        return AsyncBoltRequest(body=as_json, query=query, headers=bolt_headers)
    except Exception as error:
        raise MalformedBody(f"Bolt cannot read it ({type(error).__name__})") from None


class RequestGate:
    """Size, signature, replay and shape checks; see the module docstring for the order."""

    def __init__(
        self,
        *,
        signing_secret: str,
        replay: SeenStore | None = None,
        clock: Callable[[], float] = time.time,
        body_timeout: float = BODY_TIMEOUT,
    ) -> None:
        if not signing_secret:
            raise ValueError("HTTP mode needs the signing secret")
        self.secret = signing_secret
        self.body_timeout = body_timeout
        self.replay: SeenStore = replay or MemorySeen(max_keys=REPLAY_MAX_KEYS)
        self.clock = clock
        # A record in this process's memory did not see what was signed before it started: a
        # request captured then could be replayed after a restart. A shared store did see it.
        self.not_before = int(clock()) if replay is None else 0

    async def admit(self, request: web.Request) -> Admitted | Rejection:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return Rejection(413, "body over 1 MiB")
        try:
            if request.content.is_eof():
                raw = await request.read()  # the whole body is here: reading it cannot wait
            else:
                async with asyncio.timeout(self.body_timeout):
                    raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return Rejection(413, "body over 1 MiB")
        except TimeoutError:
            return Rejection(408, f"body not sent within {self.body_timeout:g} s")
        except ConnectionError:
            return Rejection(400, "client went away while sending", quiet=True)
        signature = request.headers.get(_SIGNATURE_HEADER)
        problem = signature_problem(
            raw,
            timestamp=request.headers.get(_TIMESTAMP_HEADER),
            signature=signature,
            secret=self.secret,
            now=self.clock(),
        )
        if problem is not None:
            return Rejection(401, problem)
        timestamp = int(request.headers[_TIMESTAMP_HEADER])
        if timestamp < self.not_before:
            return Rejection(401, "signed before this process started")
        # A signature is only accepted until its timestamp goes stale, so that is its window.
        window = timestamp + FRESHNESS - self.clock() + 1
        try:
            if not await self.replay.first_seen(f"sig:{signature}", ttl=window):
                return Rejection(401, "replayed request")
        except StoreFull:
            return Rejection(503, "replay record full")
        try:
            return Admitted(raw, parse_body(raw, request.content_type), request)
        except MalformedBody as error:
            return Rejection(400, str(error))


GATE = web.AppKey("gate", RequestGate)
"""The web app's request gate (its replay record and start time)."""


@dataclass(frozen=True)
class Admitted:
    """A request that passed the gate, with the body as the gate read it."""

    raw: bytes
    body: dict[str, Any]
    request: web.Request

    def for_bolt(self, *, secret: str) -> AsyncBoltRequest:
        """The same request for Bolt; raises MalformedBody when Bolt cannot read it."""
        return bolt_request(
            self.raw,
            self.body,
            headers=_bolt_headers(self.request),
            query=self.request.query_string,
            secret=secret,
        )


def _json_reply(payload: dict[str, Any]) -> web.Response:
    if not payload:
        return web.Response(status=200)
    return web.Response(body=message_json(payload).encode(), content_type=_JSON, charset="utf-8")


def _bolt_signing_secret(bolt_app: AsyncApp) -> str | None:
    """The secret the Bolt app verifies with (Bolt keeps it on the app; there is no accessor)."""
    return getattr(bolt_app, "_signing_secret", None)


def build_web_app(
    bolt_app: AsyncApp,
    *,
    signing_secret: str | None = None,
    replay: SeenStore | None = None,
    quick_answer: QuickAnswer | None = None,
    stores: StoreStatus | None = None,
    shutdown_timeout: float = SHUTDOWN_TIMEOUT,
    header_timeout: float = HEADER_TIMEOUT,
    body_timeout: float = BODY_TIMEOUT,
) -> web.Application:
    secret = signing_secret or _bolt_signing_secret(bolt_app)
    if not secret:
        raise ValueError("HTTP mode needs the signing secret")
    gate = RequestGate(signing_secret=secret, replay=replay, body_timeout=body_timeout)
    inflight: InFlight = inflight_of(bolt_app)

    async def slack_events(request: web.Request) -> web.Response:
        if inflight.closing:
            return Rejection(503, "shutting down").response()
        task = inflight.reading_current()
        admitted = await gate.admit(request)
        if isinstance(admitted, Rejection):
            return admitted.logged_response()
        inflight.admitted(task)
        if quick_answer is not None:
            payload = quick_answer(admitted.body)
            if payload is not None:
                return _json_reply(payload)
        try:
            bolt_request = admitted.for_bolt(secret=secret)
        except MalformedBody as error:
            return Rejection(400, str(error)).logged_response()
        bolt_response = await bolt_app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def health(_: web.Request) -> web.Response:
        replies = {"waiting": inflight.replies_waiting, "dropped": inflight.replies_dropped}
        if inflight.closing:
            draining = {"ok": False, "draining": True, "replies": replies}
            return web.json_response(draining, status=503)
        if stores is None:
            return web.json_response({"ok": True, "replies": replies})
        status = await stores()
        named = {name: "ok" if up else "down" for name, up in status.items()}
        body: dict[str, object] = {"ok": True, "stores": named, "replies": replies}
        down = sorted(name for name, up in status.items() if not up)
        if down:
            body["degraded"] = down
        return web.json_response(body)

    async def drain(_: web.Application) -> None:
        await inflight.drain(shutdown_timeout)

    # aiohttp closes a connection whose waiting for a request outlasts keepalive_timeout, and
    # that clock starts when the connection opens: so it is also the deadline for the headers.
    web_app = web.Application(
        client_max_size=MAX_BODY,
        handler_args={"keepalive_timeout": header_timeout, "lingering_time": LINGER_TIMEOUT},
    )
    web_app[INFLIGHT] = inflight
    web_app[GATE] = gate
    web_app[BOLT] = bolt_app
    web_app.router.add_post(EVENTS_PATH, slack_events)
    web_app.router.add_get(HEALTH_PATH, health)
    oauth_flow = bolt_app.oauth_flow
    if oauth_flow is not None:

        async def oauth(request: web.Request) -> web.Response:
            """Bolt's install page and redirect, as its own aiohttp adapter serves them."""
            bolt_request = AsyncBoltRequest(
                body="", query=request.query_string, headers=dict(request.headers)
            )
            if request.path == oauth_flow.install_path:
                bolt_response = await oauth_flow.handle_installation(bolt_request)
            else:
                bolt_response = await oauth_flow.handle_callback(bolt_request)
            return await to_aiohttp_response(bolt_response)

        web_app.router.add_get(oauth_flow.install_path, oauth)
        web_app.router.add_get(oauth_flow.redirect_uri_path, oauth)
    web_app.on_shutdown.append(drain)
    return web_app
