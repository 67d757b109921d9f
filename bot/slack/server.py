"""HTTP mode: one aiohttp endpoint for everything Slack sends, plus a health check.

Every request passes a gate before Bolt sees it, in this order, each step only for requests that
passed the one before:

1. size: over 1 MiB is 413 (checked on Content-Length, and enforced while reading);
2. signature: missing, malformed, wrong or stale (over 5 minutes either way) is 401;
3. replay: a signature already seen is 401. A signature covers the timestamp and the body, and is
   only accepted while the timestamp is fresh, so it is remembered for twice the freshness window
   in a bounded, expiring `SeenStore` (bot/slack/dedup.py). Only verified signatures are recorded,
   so junk cannot push real ones out of the record;
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

Shutdown: once aiohttp stops listening, new requests on open connections get 503, and the
requests in flight plus the Bolt lazy listeners they started get `shutdown_timeout` seconds in
total to finish (bot/slack/inflight.py) before the rest are cancelled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.dedup import MemorySeen, SeenStore
from bot.slack.inflight import InFlight, inflight_of

logger = logging.getLogger("rolefit.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024
FRESHNESS = 5 * 60
REPLAY_MAX_KEYS = 100_000
MAX_DEPTH = 64
SHUTDOWN_TIMEOUT = 10.0

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"
_TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
_SIGNATURE_HEADER = "X-Slack-Signature"

QuickAnswer = Callable[[dict[str, Any]], dict[str, Any] | None]
"""Answers a request from its body alone, or returns None to hand it to Bolt (handlers/)."""


class MalformedBody(ValueError):
    """A signed body the app cannot read; its message says why (for the log, not the caller)."""


@dataclass(frozen=True)
class Rejection:
    status: int
    reason: str

    def logged_response(self) -> web.Response:
        logger.info("refused a request: %s", self.reason, extra={"status": self.status})
        return self.response()

    def response(self) -> web.Response:
        public = {401: "invalid request", 413: "request too large", 503: "shutting down"}
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
        if value is not None and not isinstance(value, kinds[field]):
            raise MalformedBody(f"{where}{field} is a {type(value).__name__}")


def _check_shape(data: dict[str, Any]) -> None:
    _check_fields(data, _KINDS, "")
    for field in _LIST_FIELDS:
        for item in data.get(field) or ():
            if not isinstance(item, dict):
                raise MalformedBody(f"{field} item is a {type(item).__name__}")
    event = data.get("event")
    if event:
        _check_fields(event, _EVENT_KINDS, "event.")


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedBody(f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedBody(f"{what} is not a JSON object")
    return data


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
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
        except ValueError:
            raise MalformedBody("form fields are malformed") from None
        data = dict(pairs)
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
    ) -> None:
        if not signing_secret:
            raise ValueError("HTTP mode needs the signing secret")
        self.secret = signing_secret
        self.replay: SeenStore = replay or MemorySeen(ttl=2 * FRESHNESS, max_keys=REPLAY_MAX_KEYS)
        self.clock = clock

    async def admit(self, request: web.Request) -> Admitted | Rejection:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return Rejection(413, "body over 1 MiB")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return Rejection(413, "body over 1 MiB")
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
        if not await self.replay.first_time(f"sig:{signature}"):
            return Rejection(401, "replayed request")
        try:
            return Admitted(raw, parse_body(raw, request.content_type), request)
        except MalformedBody as error:
            return Rejection(400, str(error))


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
    return web.Response(body=json.dumps(payload).encode(), content_type=_JSON, charset="utf-8")


def _bolt_signing_secret(bolt_app: AsyncApp) -> str | None:
    """The secret the Bolt app verifies with (Bolt keeps it on the app; there is no accessor)."""
    return getattr(bolt_app, "_signing_secret", None)


def build_web_app(
    bolt_app: AsyncApp,
    *,
    signing_secret: str | None = None,
    replay: SeenStore | None = None,
    quick_answer: QuickAnswer | None = None,
    shutdown_timeout: float = SHUTDOWN_TIMEOUT,
) -> web.Application:
    secret = signing_secret or _bolt_signing_secret(bolt_app)
    if not secret:
        raise ValueError("HTTP mode needs the signing secret")
    gate = RequestGate(signing_secret=secret, replay=replay)
    inflight: InFlight = inflight_of(bolt_app)

    async def slack_events(request: web.Request) -> web.Response:
        if inflight.closing:
            return Rejection(503, "shutting down").response()
        inflight.track_current()
        admitted = await gate.admit(request)
        if isinstance(admitted, Rejection):
            return admitted.logged_response()
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
        if inflight.closing:
            return web.json_response({"ok": False, "draining": True}, status=503)
        return web.json_response({"ok": True})

    async def drain(_: web.Application) -> None:
        await inflight.drain(shutdown_timeout)

    web_app = web.Application(client_max_size=MAX_BODY)
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
