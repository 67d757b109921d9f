"""Signed requests the way Slack sends them: slash commands (form) and Events API (JSON).

Every body is unique (a fresh trigger_id, event_id and ts), so RoleFit's replay check, which
refuses a signature it has already seen, never turns a benchmark request away.
"""

from __future__ import annotations

import itertools
import json
import time
from urllib.parse import urlencode

from bot.slack.server import sign

SIGNING_SECRET = "benchSigningSecret0123456789abcd"
BOT_TOKEN = "xoxb-bench-0000"
TEAM = "T0BENCH01"
USER = "U0BENCH01"
CHANNEL = "C0BENCH01"
BOT_USER = "UBOTBENCH"
BOT_ID = "BBOTBENCH"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_serial = itertools.count(1)


def signed_headers(body: bytes, *, content_type: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body, timestamp, SIGNING_SECRET),
    }


def slash_command(text: str) -> tuple[bytes, dict[str, str]]:
    """A signed `/rolefit <text>` request body and its headers."""
    serial = next(_serial)
    body = urlencode(
        {
            "token": "legacy-unused",
            "team_id": TEAM,
            "team_domain": "bench",
            "channel_id": CHANNEL,
            "channel_name": "bench",
            "user_id": USER,
            "user_name": "bench",
            "command": "/rolefit",
            "text": text,
            "api_app_id": "A0BENCH01",
            "is_enterprise_install": "false",
            "response_url": "",
            "trigger_id": f"{serial}.{time.time_ns()}.bench",
        }
    ).encode()
    return body, signed_headers(body, content_type=FORM)


def mention(text: str) -> tuple[bytes, dict[str, str], str]:
    """A signed app_mention event, its headers, and its ts (which the reply's thread_ts names)."""
    serial = next(_serial)
    ts = f"{int(time.time())}.{serial:06d}"
    envelope = {
        "token": "legacy-unused",
        "team_id": TEAM,
        "api_app_id": "A0BENCH01",
        "type": "event_callback",
        "event_id": f"Ev{serial:08d}{time.time_ns() % 10**6:06d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        "event": {
            "type": "app_mention",
            "user": USER,
            "text": f"<@{BOT_USER}> {text}",
            "ts": ts,
            "channel": CHANNEL,
            "event_ts": ts,
            "team": TEAM,
        },
    }
    body = json.dumps(envelope).encode()
    return body, signed_headers(body, content_type=JSON), ts
