"""Logging set-up: readable text by default, one JSON object a line with LOG_FORMAT=json.

Every line written while a Slack request is handled carries that request's ids (team, channel,
user, event), also from inside slack_sdk and Bolt, because a global middleware binds them to the
request's context and lazy listeners inherit it. Tokens and secrets never reach the output: the
libraries that could print them are kept above DEBUG, and every formatted line is scrubbed of
token-shaped strings and of the secrets the process was configured with. What people typed is
only logged at DEBUG (the `text` extra).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.middleware import Next

_EXTRA_KEYS = (
    "ids",
    "entry",
    "helpful",
    "text",
    "verdict",
    "score",
    "duration_ms",
    "reason",
    "status",
    "retry",
)

# Their DEBUG output dumps request bodies, websocket URLs and headers: never below INFO.
QUIET_LIBRARIES = ("slack_sdk", "aiohttp.client", "asyncio")

MAX_VALUE = 1000
"""Characters kept of a logged message or value: requests can carry up to 1 MiB of anything."""
MAX_TRACEBACK = 8000

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

_TOKEN = re.compile(
    r"\b(?:xox[a-z]|xapp|xoxe(?:\.xox[a-z])?)-[A-Za-z0-9-]+|(?i:bearer)\s+[A-Za-z0-9._~+/=-]+"
)
REDACTED = "[redacted]"

_request_ids: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "rolefit_request_ids", default=None
)


def bind_ids(ids: dict[str, str]) -> None:
    """Attach a request's ids to every log line written from this context onwards."""
    _request_ids.set(dict(ids) if ids else None)


class IdsMiddleware(AsyncMiddleware):
    """A Bolt global middleware binding the request's ids (HTTP and Socket Mode alike).

    A class, not a function: Bolt injects a function middleware's arguments by name on every
    request, which costs more than the work done here.
    """

    def __init__(self, ids_of: Callable[[dict[str, Any]], dict[str, str]]) -> None:
        self.ids_of = ids_of

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Next
    ) -> BoltResponse:
        try:
            ids = self.ids_of(req.body or {})
        except Exception:
            ids = {}
        bind_ids(ids)
        return await next()


def cap(text: str, limit: int = MAX_VALUE) -> str:
    return text if len(text) <= limit else text[:limit] + f"…[{len(text) - limit} more]"


def one_line(text: str, limit: int = MAX_VALUE) -> str:
    """A value fit for a text log: capped, with newlines and other controls escaped, so text
    from a request can never start a line of its own (a forged `CRITICAL ...` entry)."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode(), cap(text, limit))


class BadRequestFilter(logging.Filter):
    """aiohttp logs an unparseable request as an ERROR traceback quoting up to 128 KB of it;
    here it becomes one capped line at INFO: a client's mistake, not the server's."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg = "bad HTTP request refused: %s"
            record.args = (one_line(str(error.message), 200),)
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info, record.exc_text = None, None
        return True


_BAD_REQUESTS = BadRequestFilter()


class Redactor:
    """Removes token-shaped strings and known secret values from text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN.sub(REDACTED, text)


class IdsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(getattr(record, "ids", None), dict):
            ids = _request_ids.get()
            if ids:
                record.ids = ids
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, redact: Redactor | None = None) -> None:
        super().__init__()
        self.redact = redact or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": cap(record.getMessage()),
        }
        for key in _EXTRA_KEYS:
            if hasattr(record, key):
                value = getattr(record, key)
                if key == "ids" and isinstance(value, dict):
                    data.update({k: cap(str(v)) for k, v in value.items()})
                elif key != "text" or record.levelno <= logging.DEBUG:
                    data[key] = cap(value) if isinstance(value, str) else value
        if record.exc_info:
            data["error"] = cap(self.formatException(record.exc_info), MAX_TRACEBACK)
        return self.redact(json.dumps(data, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    def __init__(self, fmt: str, redact: Redactor | None = None) -> None:
        super().__init__(fmt)
        self.redact = redact or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        flat = logging.makeLogRecord(record.__dict__)
        flat.msg, flat.args = one_line(record.getMessage()), None
        flat.exc_info, flat.exc_text, flat.stack_info = None, None, None
        line = super().format(flat)
        ids = getattr(record, "ids", None)
        if isinstance(ids, dict) and ids:
            line += " [" + " ".join(f"{k}={one_line(str(v))}" for k, v in ids.items()) + "]"
        if record.exc_info:
            # Indented, so no line of a traceback can pass for a log line of its own.
            trace = cap(self.formatException(record.exc_info), MAX_TRACEBACK)
            line += "".join(f"\n    {one_line(part, MAX_TRACEBACK)}" for part in trace.split("\n"))
        return self.redact(line)


def setup(*, level: str = "INFO", fmt: str = "text", secrets: Iterable[str | None] = ()) -> None:
    """Log to stderr; `secrets` are the configured tokens, scrubbed from every line."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(redact))
    else:
        handler.setFormatter(
            TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", redact)
        )
    handler.addFilter(IdsFilter())
    logging.getLogger("aiohttp.server").addFilter(_BAD_REQUESTS)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    if level != "DEBUG":
        logging.getLogger("slack_bolt").setLevel(logging.WARNING)
        logging.getLogger("rolefit.bolt").setLevel(logging.WARNING)
