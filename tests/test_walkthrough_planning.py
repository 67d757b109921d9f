"""Click planning, without Slack: where a walkthrough runs, what a click reads as, and which cards
a click edits and posts. tests/test_walkthrough_slack.py drives the same paths over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from bot.cards.common import DECIDE_ANSWER, DECIDE_BACK, DECIDE_SHARE, DECIDE_START, Card
from bot.cards.help import help_card
from bot.knowledge.decision import Walkthrough
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.payloads import buttons, find_button
from bot.local_slack.workspace import CHANNEL, DM, USER
from bot.walkthrough.engine import NextQuestion, Result, step
from bot.walkthrough.planning import (
    ANSWER,
    BACK,
    IN_CHANNEL,
    IN_DM,
    RESTART,
    SHARE,
    Place,
    place_for,
    plan_click,
    plan_share,
    read_click,
    start_place,
)
from bot.walkthrough.state import StaleState, State, decode_state, new_state
from tests.support.blockkit import check_message
from tests.support.walkthrough_paths import ALL_PM, ALL_TPM


def state_of(walkthrough: Walkthrough, answers: tuple[str, ...], *, where: str) -> State:
    return State(USER, answers, walkthrough.fingerprint, where)


def states_on(card: Card, walkthrough: Walkthrough) -> set[State]:
    """The states a card's walkthrough buttons carry: what the next click will start from."""
    values = [b["value"] for b in buttons(card.blocks) if b["action_id"].startswith(DECIDE_ANSWER)]
    return {decode_state(value, walkthrough) for value in values}


def index_of(walkthrough: Walkthrough, answers: tuple[str, ...], option_id: str) -> int:
    current = step(walkthrough, answers)
    assert isinstance(current, NextQuestion)
    return [o.id for o in current.question.options].index(option_id)


def valid(card: Card | None) -> Card:
    assert card is not None
    check_message(card.message())
    return card


# --- where a walkthrough runs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "thread", "expected"),
    [
        ("C0GENERAL", None, Place("C0GENERAL", None, True)),
        ("C0GENERAL", "1.2", Place("C0GENERAL", "1.2", True)),
        ("G0PRIVATE", None, Place("G0PRIVATE", None, True)),
        ("D0ALICEDM", None, Place("D0ALICEDM", None, False)),
        ("", None, Place(USER, None, False)),
        (USER, None, Place(USER, None, False)),
    ],
)
def test_where_a_walkthrough_runs(channel: str, thread: str | None, expected: Place) -> None:
    assert place_for(user_id=USER, channel_id=channel, thread_ts=thread) == expected


@pytest.mark.parametrize(
    ("message", "channel", "expected"),
    [
        ({"ts": "5.0"}, CHANNEL, Place(CHANNEL, None, True)),
        ({"ts": "5.1", "thread_ts": "5.0"}, CHANNEL, Place(CHANNEL, "5.0", True)),
        ({"ts": "5.0", "thread_ts": "5.0"}, CHANNEL, Place(CHANNEL, None, True)),
        ({"ts": "5.0", "thread_ts": "5.0"}, DM, Place(DM, None, False)),
    ],
)
def test_a_start_click_stays_in_a_thread_but_never_opens_one(
    message: dict[str, Any], channel: str, expected: Place
) -> None:
    """A reply keeps its thread; a top-level message (a thread's parent too) gets a new one."""
    button = find_button(help_card().blocks, action_prefix=DECIDE_START)
    body = payloads.block_action(button, channel=channel, message=message)
    assert start_place(body) == expected
    assert read_click(body).thread_ts == expected.thread_ts


def test_a_start_click_on_the_app_home_goes_to_the_dm() -> None:
    button = find_button(help_card().blocks, action_prefix=DECIDE_START)
    body = payloads.block_action(button, home=True)
    assert start_place(body) == Place(USER, None, False)


def test_a_start_click_without_a_user_has_no_place() -> None:
    button = find_button(help_card().blocks, action_prefix=DECIDE_START)
    body = payloads.block_action(button)
    body.pop("user")
    assert start_place(body) is None


# --- what a click reads as ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action_id", "action", "index"),
    [
        (f"{DECIDE_ANSWER}.2", ANSWER, 2),
        (DECIDE_BACK, BACK, None),
        (f"{DECIDE_ANSWER}.123", None, None),
        ("rolefit.somethingelse", None, None),
        ("", None, None),
    ],
)
def test_a_click_reads_its_action_and_option_index(
    action_id: str, action: str | None, index: int | None
) -> None:
    body = payloads.block_action({"action_id": action_id, "value": "v1"}, message={"ts": "7.0"})
    click = read_click(body)
    assert (click.action, click.index, click.value) == (action, index, "v1")
    assert (click.user, click.channel, click.message_ts) == (USER, CHANNEL, "7.0")


def test_a_click_without_actions_reads_as_no_action() -> None:
    body = payloads.block_action({"action_id": DECIDE_BACK})
    body["actions"] = []
    click = read_click(body)
    assert (click.action, click.index, click.value) == (None, None, "")


# --- what a click changes -----------------------------------------------------------------------


def test_an_answer_records_the_question_and_posts_the_next_one(knowledge: Knowledge) -> None:
    walkthrough = knowledge.walkthrough
    state = new_state(walkthrough, owner=USER, extra=IN_DM)
    index = index_of(walkthrough, (), ALL_TPM[0])

    plan = plan_click(walkthrough, action=ANSWER, index=index, state=state)

    record = valid(plan.update)
    assert buttons(record.blocks) == [], "the answered question keeps no buttons"
    assert states_on(valid(plan.post), walkthrough) == {state.answered(ALL_TPM[0])}
    assert plan.result is None


@pytest.mark.parametrize(("where", "shareable"), [(IN_CHANNEL, True), (IN_DM, False)])
def test_the_last_answer_posts_the_result_shareable_only_in_a_channel(
    knowledge: Knowledge, where: str, shareable: bool
) -> None:
    walkthrough = knowledge.walkthrough
    state = state_of(walkthrough, ALL_TPM[:-1], where=where)
    index = index_of(walkthrough, state.answers, ALL_TPM[-1])

    plan = plan_click(walkthrough, action=ANSWER, index=index, state=state)

    assert isinstance(plan.result, Result)
    assert plan.result.verdict_id == "tpm"
    posted = valid(plan.post)
    assert posted.text.startswith(plan.result.title)
    has_share = any(b["action_id"].startswith(DECIDE_SHARE) for b in buttons(posted.blocks))
    assert has_share is shareable
    valid(plan.update)


def test_back_edits_the_question_to_the_previous_one_with_the_earlier_pick(
    knowledge: Knowledge,
) -> None:
    walkthrough = knowledge.walkthrough
    state = state_of(walkthrough, ALL_PM[:2], where=IN_DM)

    plan = plan_click(walkthrough, action=BACK, index=None, state=state)

    assert plan.post is None and plan.result is None
    card = valid(plan.update)
    assert states_on(card, walkthrough) == {state.back()}
    earlier = step(walkthrough, ALL_PM[:1])
    assert isinstance(earlier, NextQuestion)
    picked = earlier.question.option(ALL_PM[1])
    assert picked is not None
    assert f"You went back. Last time you picked *{picked.label}*" in str(card.blocks)


def test_start_over_on_a_question_edits_it_and_on_a_result_posts_anew(
    knowledge: Knowledge,
) -> None:
    walkthrough = knowledge.walkthrough
    fresh = state_of(walkthrough, (), where=IN_CHANNEL)

    midway = plan_click(
        walkthrough,
        action=RESTART,
        index=None,
        state=state_of(walkthrough, ALL_PM[:3], where=IN_CHANNEL),
    )
    assert midway.post is None
    edited = valid(midway.update)
    assert states_on(edited, walkthrough) == {fresh}
    assert "Started over." in str(edited.blocks)

    finished = plan_click(
        walkthrough,
        action=RESTART,
        index=None,
        state=state_of(walkthrough, ALL_PM, where=IN_CHANNEL),
    )
    assert finished.update is None
    assert states_on(valid(finished.post), walkthrough) == {fresh}


@pytest.mark.parametrize(
    ("answers", "action", "index", "reason"),
    [
        (ALL_PM, ANSWER, 0, "finished"),
        ((), ANSWER, None, "finished"),
        ((), ANSWER, 9, "no option 9"),
        ((), BACK, None, "nothing to go back to"),
        ((), SHARE, None, "unknown walkthrough action"),
        ((), None, None, "unknown walkthrough action"),
    ],
)
def test_a_click_that_cannot_be_on_such_a_message_is_stale(
    knowledge: Knowledge,
    answers: tuple[str, ...],
    action: str | None,
    index: int | None,
    reason: str,
) -> None:
    walkthrough = knowledge.walkthrough
    state = state_of(walkthrough, answers, where=IN_CHANNEL)
    with pytest.raises(StaleState, match=reason):
        plan_click(walkthrough, action=action, index=index, state=state)


def test_sharing_a_channel_result_gives_the_summary_and_the_shared_card(
    knowledge: Knowledge,
) -> None:
    walkthrough = knowledge.walkthrough
    summary, shared = plan_share(walkthrough, state_of(walkthrough, ALL_TPM, where=IN_CHANNEL))
    assert f"<@{USER}>" in valid(summary).text
    assert not any(
        b["action_id"].startswith(DECIDE_SHARE) for b in buttons(valid(shared).blocks)
    ), "a shared result cannot be shared again"


@pytest.mark.parametrize(("answers", "where"), [(ALL_TPM, IN_DM), (ALL_TPM[:3], IN_CHANNEL)])
def test_only_a_finished_channel_walkthrough_can_be_shared(
    knowledge: Knowledge, answers: tuple[str, ...], where: str
) -> None:
    walkthrough = knowledge.walkthrough
    with pytest.raises(StaleState):
        plan_share(walkthrough, state_of(walkthrough, answers, where=where))
