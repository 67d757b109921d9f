"""Realistic Slack payloads: slash commands, Events API envelopes and block_actions."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support.slack_stub import BOT_USER, TEAM

_ids = itertools.count(1)

USER = "U0ALICE01"
OTHER_USER = "U0BOB0002"
CHANNEL = "C0GENERAL"
DM = "D0ALICEDM"


def command(
    text: str,
    *,
    user: str = USER,
    channel: str = CHANNEL,
    response_url: str = "",
    channel_name: str = "general",
) -> dict[str, Any]:
    return {
        "token": "legacy-unused",
        "team_id": TEAM,
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": "alice",
        "command": "/rolefit",
        "text": text,
        "api_app_id": "A0ROLEFIT",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{next(_ids)}.trigger",
    }


def envelope(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-unused",
        "team_id": TEAM,
        "api_app_id": "A0ROLEFIT",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": 1700000000,
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def mention(
    text: str,
    *,
    user: str = USER,
    channel: str = CHANNEL,
    ts: str = "1700000100.000100",
    thread_ts: str | None = None,
) -> dict[str, Any]:
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
    text: str, *, user: str = USER, channel: str = DM, ts: str = "1700000200.000200", **extra: Any
) -> dict[str, Any]:
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
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": DM,
        "tab": tab,
        "event_ts": "1700000300.000300",
    }


def block_action(
    action: dict[str, Any],
    *,
    user: str = USER,
    channel: str = CHANNEL,
    response_url: str = "",
    ephemeral: bool = False,
    message: dict[str, Any] | None = None,
    home: bool = False,
) -> dict[str, Any]:
    """A click on `action` (a button dict as the app sent it)."""
    clicked = {
        "action_id": action["action_id"],
        "block_id": action.get("block_id", "b1"),
        "text": action.get("text", {"type": "plain_text", "text": "x"}),
        "value": action.get("value", ""),
        "type": "button",
        "action_ts": "1700000400.000400",
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "team_id": TEAM},
        "api_app_id": "A0ROLEFIT",
        "token": "legacy-unused",
        "trigger_id": f"{next(_ids)}.trigger",
        "team": {"id": TEAM, "domain": "test"},
        "actions": [clicked],
    }
    if home:
        payload["container"] = {"type": "view", "view_id": "V1"}
        payload["view"] = {"id": "V1", "type": "home", "blocks": []}
        return payload
    msg = message or {"ts": "1700000500.000500", "text": "card", "blocks": []}
    payload["container"] = {
        "type": "message",
        "message_ts": msg.get("ts"),
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    payload["channel"] = {"id": channel, "name": "general"}
    if not ephemeral:
        payload["message"] = msg
    payload["response_url"] = response_url
    return payload


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button in a message or view, with its block_id attached."""
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
    for button in buttons(blocks):
        if text is not None and text.lower() not in button["text"]["text"].lower():
            continue
        if action_prefix is not None and not button["action_id"].startswith(action_prefix):
            continue
        if value is not None and button.get("value") != value:
            continue
        return button
    labels = [b["text"]["text"] for b in buttons(blocks)]
    raise AssertionError(f"no button text={text!r} action={action_prefix!r}; have {labels}")


def view_submission(
    view: dict[str, Any],
    *,
    values: dict[str, dict[str, dict[str, Any]]],
    user: str = OTHER_USER,
    user_name: str = "bob",
) -> dict[str, Any]:
    """The submission of a modal the app opened (`view` as sent to views.open)."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": user_name, "name": user_name, "team_id": TEAM},
        "api_app_id": "A0ROLEFIT",
        "token": "legacy-unused",
        "trigger_id": f"{next(_ids)}.trigger",
        "view": {
            "id": "V0MODAL01",
            "team_id": TEAM,
            "type": "modal",
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "blocks": view.get("blocks", []),
            "state": {"values": values},
            "hash": "1700000000.abcdef",
        },
        "response_urls": [],
    }


def message_shortcut(
    callback_id: str,
    *,
    text: str,
    user: str = USER,
    channel: str = CHANNEL,
    response_url: str = "",
) -> dict[str, Any]:
    """A message shortcut used on someone's message in `channel`."""
    return {
        **global_shortcut(callback_id, user=user),
        "type": "message_action",
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "user": OTHER_USER, "ts": "1700000550.000550", "text": text},
        "message_ts": "1700000550.000550",
        "response_url": response_url,
    }


def global_shortcut(callback_id: str, *, user: str = USER) -> dict[str, Any]:
    return {
        "type": "shortcut",
        "callback_id": callback_id,
        "trigger_id": f"{next(_ids)}.trigger",
        "action_ts": "1700000700.000700",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": TEAM},
        "token": "legacy-unused",
    }
