"""Requests signed the way Slack signs them, with the server's own `sign`, and their bodies.

The secret and token here belong to the local stand-in only: nothing real is ever signed with
them, and the console makes fresh ones per session.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from bot.slack.server import sign

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
BOT_TOKEN = "xoxb-local-0000"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signed_headers(
    body: str | bytes,
    *,
    content_type: str,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> dict[str, str]:
    """Content type, timestamp and signature, as Slack sends them with `body`."""
    raw = body.encode() if isinstance(body, str) else body
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(raw, ts, secret),
    }


def form_body(fields: dict[str, Any]) -> str:
    """A slash command's body."""
    return urlencode(fields)


def payload_body(payload: dict[str, Any]) -> str:
    """An interaction's body: the JSON payload in one form field, as Slack posts clicks."""
    return urlencode({"payload": json.dumps(payload)})


def json_body(data: dict[str, Any]) -> str:
    """An Events API body."""
    return json.dumps(data)
