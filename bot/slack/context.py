"""Reading the ids and places out of Slack payloads, for routing replies and for log lines."""

from __future__ import annotations

import re
from typing import Any

_MARKUP = re.compile(
    r"<[@#!][^>]*>"  # user and channel mentions, @here and friends
    r"|<(?:[a-z][a-z0-9+.-]*:[^|>]*)(?:\|([^>]*))?>"  # links, kept as their label if any
    r"|:[a-z0-9_+'-]+:",  # emoji
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t]+")


def typed_text(text: str) -> str:
    """What someone typed, without Slack's markup: mentions, channel links and emoji go, a link
    keeps its label, and Slack's three escapes are undone. `<@U0123ABC>` and `:thinking_face:`
    are not words anyone asked about, and would count as unknown words in a question."""
    plain = _MARKUP.sub(lambda found: f" {found.group(1) or ''} ", text)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _SPACES.sub(" ", plain).strip()


def request_ids(body: dict[str, Any]) -> dict[str, str]:
    """Team, channel, user and event ids of a request: what an operator needs to find it."""
    event = body.get("event") or {}
    ids = {
        "team": body.get("team_id") or (body.get("team") or {}).get("id") or event.get("team"),
        "channel": body.get("channel_id")
        or (body.get("channel") or {}).get("id")
        or event.get("channel"),
        "user": body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user"),
        "event_id": body.get("event_id"),
    }
    return {key: str(value) for key, value in ids.items() if value}


def action_user(body: dict[str, Any]) -> str | None:
    return (body.get("user") or {}).get("id")


def is_ephemeral_source(body: dict[str, Any]) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def is_home_source(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view" or (body.get("view") or {}).get(
        "type"
    ) == "home"


def message_thread(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """Channel and thread to answer in for a click on a public message."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    message = body.get("message") or {}
    thread = (
        message.get("thread_ts")
        or message.get("ts")
        or (body.get("container") or {}).get("message_ts")
    )
    return channel, thread
