"""What a walkthrough click means and what it changes: pure, so it is tested without Slack.

Reads a block_actions payload into a `Click`, decides where a new walkthrough runs (`Place`), and
plans the cards a click edits and posts (`Plan`). handlers/walkthrough.py does the Web API calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.cards.common import (
    DECIDE_ANSWER,
    DECIDE_BACK,
    DECIDE_RESTART,
    DECIDE_SHARE,
    DECIDE_START,
    Card,
)
from bot.cards.walkthrough import (
    IN_MY_DM,
    STARTED_OVER_NOTE,
    answered_card,
    question_card,
    result_card,
    shared_result_card,
    went_back_note,
)
from bot.knowledge.decision import Walkthrough
from bot.slack.context import action_user, is_home_source
from bot.walkthrough.engine import NextQuestion, Result, step
from bot.walkthrough.state import StaleState, State

# Where a walkthrough runs, kept in the state's `extra`: only a channel thread can share its result.
IN_CHANNEL = "c"
IN_DM = "d"

ANSWER, BACK, RESTART, SHARE = "answer", "back", "restart", "share"
_ACTIONS = {DECIDE_ANSWER: ANSWER, DECIDE_BACK: BACK, DECIDE_RESTART: RESTART, DECIDE_SHARE: SHARE}
CLICK = re.compile(
    r"^(?P<action>" + "|".join(re.escape(a) for a in _ACTIONS) + r")(?:\.(?P<index>\d{1,2}))?$"
)
START = re.compile(rf"^{re.escape(DECIDE_START)}(?:\.\d+)?$")


@dataclass(frozen=True)
class Place:
    """Where a new walkthrough goes; `in_channel` means a public starter message comes first."""

    channel: str
    thread_ts: str | None
    in_channel: bool


def place_for(*, user_id: str, channel_id: str | None, thread_ts: str | None) -> Place:
    """A DM (or no channel at all, as on the App Home) runs in the DM; anything else in a thread."""
    if not channel_id or channel_id == user_id or channel_id.startswith("D"):
        return Place(channel=channel_id or user_id, thread_ts=thread_ts, in_channel=False)
    return Place(channel=channel_id, thread_ts=thread_ts, in_channel=True)


def start_place(body: dict[str, Any]) -> Place | None:
    """Where a "Help me decide" click starts one: the DM from the App Home or when the person
    chose "Privately in a DM", else where it was clicked."""
    user = action_user(body)
    if not user:
        return None
    if is_home_source(body) or read_click(body).value == IN_MY_DM:
        return Place(channel=user, thread_ts=None, in_channel=False)
    click = read_click(body)
    return place_for(user_id=user, channel_id=click.channel, thread_ts=click.thread_ts)


@dataclass(frozen=True)
class Click:
    """A click on a walkthrough button, and the message it came from."""

    action: str | None
    index: int | None
    value: str
    user: str | None
    channel: str | None
    message_ts: str | None
    thread_ts: str | None


def _reply_thread(message_ts: str | None, thread_ts: str | None) -> str | None:
    """The thread a message is a reply in; a thread's parent (thread_ts == ts) is in none."""
    return None if thread_ts == message_ts else thread_ts


def read_click(body: dict[str, Any]) -> Click:
    clicked = (body.get("actions") or [{}])[0]
    match = CLICK.fullmatch(str(clicked.get("action_id") or ""))
    index = match["index"] if match else None
    container = body.get("container") or {}
    message = body.get("message") or {}
    message_ts = message.get("ts") or container.get("message_ts")
    return Click(
        action=_ACTIONS[match["action"]] if match else None,
        index=int(index) if index is not None else None,
        value=str(clicked.get("value") or ""),
        user=action_user(body),
        channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
        message_ts=message_ts,
        thread_ts=_reply_thread(message_ts, message.get("thread_ts") or container.get("thread_ts")),
    )


@dataclass(frozen=True)
class Plan:
    """What a click does: edit the clicked message, then post a message below it."""

    update: Card | None = None
    post: Card | None = None
    result: Result | None = None


def plan_click(
    walkthrough: Walkthrough, *, action: str | None, index: int | None, state: State
) -> Plan:
    """The pure part of a click; StaleState when the button could not be on such a message."""
    current = step(walkthrough, state.answers)
    if action == ANSWER:
        if not isinstance(current, NextQuestion) or index is None:
            raise StaleState("an answer to a finished walkthrough")
        if index >= len(current.question.options):
            raise StaleState(f"no option {index} in question {current.question.id!r}")
        option = current.question.options[index]
        answered = state.answered(option.id)
        following = step(walkthrough, answered.answers)
        record = answered_card(current, option)
        if isinstance(following, Result):
            shareable = state.extra == IN_CHANNEL
            card = result_card(following, answered, shareable=shareable)
            return Plan(update=record, post=card, result=following)
        return Plan(update=record, post=question_card(following, answered))
    if action == BACK:
        if not isinstance(current, NextQuestion) or not current.can_go_back:
            raise StaleState("nothing to go back to")
        previous = state.back()
        earlier = step(walkthrough, previous.answers)
        assert isinstance(earlier, NextQuestion)
        picked = earlier.question.option(state.answers[-1])
        assert picked is not None
        return Plan(update=question_card(earlier, previous, note=went_back_note(picked.label)))
    if action == RESTART:
        fresh = state.start_over()
        first = step(walkthrough, fresh.answers)
        assert isinstance(first, NextQuestion)
        if isinstance(current, Result):
            return Plan(post=question_card(first, fresh))
        return Plan(update=question_card(first, fresh, note=STARTED_OVER_NOTE))
    raise StaleState(f"unknown walkthrough action {action!r}")


def plan_share(walkthrough: Walkthrough, state: State) -> tuple[Card, Card]:
    """The summary for the channel, and the result card as it reads once shared."""
    result = step(walkthrough, state.answers)
    if not isinstance(result, Result) or state.extra != IN_CHANNEL:
        raise StaleState("nothing to share in a channel")
    return (
        shared_result_card(result, owner=state.owner),
        result_card(result, state, shareable=True, shared=True),
    )
