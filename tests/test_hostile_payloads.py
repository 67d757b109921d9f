"""Signed payloads that are not what Slack sends: forged ids, missing lists, fuzz of every kind."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.cards.answer import shared_by_line
from bot.cards.common import Surface
from bot.cards.replies import RoleFit
from bot.local_slack import payloads, workspace
from bot.local_slack.signing import FORM, json_body, payload_body
from bot.local_slack.standin import LocalSlack
from tests.support.harness import RunningApp

JSON = "application/json"
FORGED = "U1> <!channel> <https://evil.example|click"


def test_a_share_line_never_mentions_a_forged_id(rolefit: RoleFit) -> None:
    """Item 8, at the card: whatever reaches the builder, only a well-formed id is a mention."""
    line = json.dumps(shared_by_line(FORGED))
    assert "<!channel>" not in line and "evil.example" not in line and "<@" not in line
    card = rolefit.render("entry:what-is-a-tpm", surface=Surface.PUBLIC, shared_by=FORGED)
    if card is not None:
        assert "<!channel>" not in json.dumps(card.blocks)


async def test_a_share_click_with_a_forged_user_id_posts_nothing(
    app: RunningApp, stub: LocalSlack
) -> None:
    """Item 8, through Slack's door: the signed click is refused before any listener runs."""
    answer = await app.command("what is a tpm?")
    share = payloads.find_button(answer["blocks"], action_prefix="rolefit.share")
    assert await app.click(share, ephemeral=True, user=FORGED) == 400
    await stub.settle()
    assert stub.posts() == []


BROKEN_EVENTS: list[dict[str, Any]] = [
    {"type": "event_callback", "event_id": "Ev1", "event": None},
    {"type": "event_callback", "event_id": "Ev2", "event": {"type": "app_mention", "user": 7}},
    {"type": "event_callback", "event_id": "Ev3", "event": {"type": "message", "channel": ["C1"]}},
    {"type": "event_callback", "event_id": "Ev4" * 300, "event": {"type": "app_mention"}},
    {"type": "event_callback", "event_id": ["Ev5"], "event": {"type": "app_mention"}},
]
BROKEN_CLICKS: list[dict[str, Any]] = [
    {"type": "block_actions", "user": {"id": workspace.USER}, "actions": []},
    {"type": "block_actions", "user": {"id": workspace.USER}, "actions": None},
    {"type": "block_actions", "user": {"id": workspace.USER}, "actions": [{"action_id": 5}]},
    {"type": "block_actions", "user": {"id": workspace.USER}, "actions": [{}]},
    {"type": "view_submission", "user": {"id": workspace.USER}, "view": {"callback_id": 7}},
    {"type": "shortcut", "user": {"id": workspace.USER}, "callback_id": None},
    payloads.block_action({"action_id": "rolefit.share", "value": "compare"}, ephemeral=True),
    payloads.block_action({"action_id": "rolefit.helpful", "value": "x"}, ephemeral=True),
    {"type": "block_actions", "user": {"id": 5}, "actions": [{"action_id": "rolefit.share"}]},
    {
        "type": "block_actions",
        "user": {"id": workspace.USER},
        "channel": {"id": {"x": 1}},
        "actions": [{"action_id": "rolefit.open", "value": "entry:x"}],
    },
    {
        "type": "block_actions",
        "user": {"id": workspace.USER},
        "container": {"type": "message", "message_ts": 17},
        "actions": [{"action_id": "rolefit.walkthrough.answer", "value": ["x"]}],
    },
]


@pytest.mark.parametrize("body", BROKEN_EVENTS + BROKEN_CLICKS)
async def test_signed_malformed_payloads_get_a_polite_refusal_and_no_crash(
    app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture, body: dict[str, Any]
) -> None:
    """Item 7: a 4xx or an empty 200, never a 500, never a listener exception, nothing posted."""
    if body["type"] == "event_callback":
        sent = (json_body(body), JSON)
    else:
        sent = (payload_body(body), FORM)
    with caplog.at_level(logging.WARNING):
        status, _ = await app.post(sent[0], content_type=sent[1])
        await stub.settle()
    assert status in {200, 400}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert stub.posts() == []
