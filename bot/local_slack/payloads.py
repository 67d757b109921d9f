"""What Slack sends the app, built once for the console, the tests and the benchmarks: slash
commands, Events API envelopes (mentions, DMs, App Home) and block_actions clicks.

Every payload gets fresh trigger and event ids, so the app's replay and retry checks never turn
a second request away; everything else defaults to the one fake workspace.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from typing import Any

from bot.local_slack.workspace import (
    APP_ID,
    BOT_USER,
    CHANNEL,
    CHANNEL_NAME,
    DM,
    DM_NAME,
    OTHER_USER,
    OTHER_USER_NAME,
    TEAM,
    TEAM_DOMAIN,
    USER,
    USER_NAME,
)

COMMAND = "/rolefit"
MENTION_TS = "1700000100.000100"
DM_TS = "1700000200.000200"

_ids = itertools.count(1)


def _channel_name(channel: str) -> str:
    return DM_NAME if channel.startswith("D") else CHANNEL_NAME


def command(
    text: str,
    *,
    user: str = USER,
    channel: str = CHANNEL,
    response_url: str = "",
    channel_name: str | None = None,
) -> dict[str, str]:
    """`/rolefit <text>` as Slack posts it (a form)."""
    return {
        "token": "legacy-unused",
        "team_id": TEAM,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": channel_name or _channel_name(channel),
        "user_id": user,
        "user_name": USER_NAME,
        "command": COMMAND,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{next(_ids)}.{time.time_ns()}.trigger",
    }


def envelope(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """The Events API envelope around one event."""
    return {
        "token": "legacy-unused",
        "team_id": TEAM,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def mention(
    text: str,
    *,
    user: str = USER,
    channel: str = CHANNEL,
    ts: str = MENTION_TS,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An app_mention: `@RoleFit <text>` in a channel (or a thread, with `thread_ts`)."""
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def dm(
    text: str, *, user: str = USER, channel: str = DM, ts: str = DM_TS, **extra: Any
) -> dict[str, Any]:
    """A message in the DM with RoleFit; `extra` adds fields such as a subtype."""
    event = {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM,
    }
    event.update(extra)
    return event


def home_opened(*, user: str = USER, tab: str = "home") -> dict[str, Any]:
    """The person opened RoleFit's App Home (or its Messages tab)."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": DM,
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }


def block_action(
    action: Mapping[str, Any],
    *,
    user: str = USER,
    channel: str = CHANNEL,
    response_url: str = "",
    ephemeral: bool = False,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    home: bool = False,
) -> dict[str, Any]:
    """A click on `action` (a button as the app sent it), placed where Slack says it was: on a
    message (`message`, or an `ephemeral` one Slack does not echo back), or on a `view` (`home`
    is the App Home tab)."""
    clicked = {
        "type": "button",
        "action_id": action.get("action_id", ""),
        "block_id": action.get("block_id", "b1"),
        "text": action.get("text", {"type": "plain_text", "text": "x"}),
        "value": action.get("value", ""),
        "action_ts": f"{time.time():.6f}",
    }
    if action.get("style"):
        clicked["style"] = action["style"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": USER_NAME, "name": USER_NAME, "team_id": TEAM},
        "api_app_id": APP_ID,
        "token": "legacy-unused",
        "trigger_id": f"{next(_ids)}.{time.time_ns()}.trigger",
        "team": {"id": TEAM, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [clicked],
    }
    if home and view is None:
        view = {"id": "V1", "type": "home", "blocks": []}
    if view is not None:
        view_id = view.get("id") or "V1"
        payload["container"] = {"type": "view", "view_id": view_id}
        payload["view"] = {
            "id": view_id,
            "team_id": TEAM,
            "type": view.get("type", "home"),
            "blocks": list(view.get("blocks") or []),
            "state": {"values": {}},
        }
        return payload
    msg = dict(message or {"ts": "1700000500.000500", "text": "card", "blocks": []})
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": msg.get("ts"),
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    if msg.get("thread_ts"):
        container["thread_ts"] = msg["thread_ts"]
    payload["container"] = container
    payload["channel"] = {"id": channel, "name": _channel_name(channel)}
    if not ephemeral:
        payload["message"] = msg
    payload["response_url"] = response_url
    return payload


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button in a message or view, with its block_id attached: what a person can press."""
    found = []
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        if block.get("accessory", {}).get("type") == "button":
            elements = [block["accessory"]]
        for element in elements:
            if element.get("type") == "button":
                found.append({**element, "block_id": block.get("block_id", "b")})
    return found


def find_button(
    blocks: list[dict[str, Any]],
    *,
    text: str | None = None,
    action_prefix: str | None = None,
    value: str | None = None,
) -> dict[str, Any]:
    """The first button whose label contains `text`, whose action_id starts with
    `action_prefix` and whose value is `value` (those given); LookupError naming what there is."""
    for button in buttons(blocks):
        if text is not None and text.lower() not in button["text"]["text"].lower():
            continue
        if action_prefix is not None and not button["action_id"].startswith(action_prefix):
            continue
        if value is not None and button.get("value") != value:
            continue
        return button
    labels = [b["text"]["text"] for b in buttons(blocks)]
    raise LookupError(f"no button text={text!r} action={action_prefix!r}; have {labels}")


def view_submission(
    view: Mapping[str, Any],
    *,
    values: dict[str, dict[str, dict[str, Any]]],
    user: str = OTHER_USER,
    user_name: str = OTHER_USER_NAME,
) -> dict[str, Any]:
    """The submission of a modal the app opened (`view` as the app sent it to views.open)."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": TEAM_DOMAIN},
        "user": {"id": user, "username": user_name, "name": user_name, "team_id": TEAM},
        "api_app_id": APP_ID,
        "token": "unused",
        "trigger_id": f"{next(_ids)}.{time.time_ns()}.trigger",
        "view": {
            "id": f"V{next(_ids):08d}",
            "team_id": TEAM,
            "type": "modal",
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "blocks": list(view.get("blocks") or []),
            "state": {"values": values},
            "hash": f"{time.time():.6f}.{next(_ids):06x}",
        },
        "response_urls": [],
    }


def global_shortcut(callback_id: str, *, user: str = USER) -> dict[str, Any]:
    """A global shortcut (the lightning menu), used by `user` from anywhere in Slack."""
    return {
        "type": "shortcut",
        "callback_id": callback_id,
        "trigger_id": f"{next(_ids)}.{time.time_ns()}.trigger",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM, "domain": TEAM_DOMAIN},
        "user": {"id": user, "username": USER_NAME, "name": USER_NAME, "team_id": TEAM},
        "token": "unused",
    }


def message_shortcut(
    callback_id: str,
    *,
    text: str,
    user: str = USER,
    channel: str = CHANNEL,
    author: str = OTHER_USER,
    response_url: str = "",
) -> dict[str, Any]:
    """A message shortcut used by `user` on a message `author` wrote in `channel`."""
    ts = f"{time.time():.6f}"
    return {
        **global_shortcut(callback_id, user=user),
        "type": "message_action",
        "channel": {"id": channel, "name": _channel_name(channel)},
        "message": {"type": "message", "user": author, "ts": ts, "text": text},
        "message_ts": ts,
        "response_url": response_url,
    }
