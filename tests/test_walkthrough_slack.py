"""The hiring walkthrough in Slack, driven end to end by signed requests against the running app.

Every assertion is on what reached the Web API stand-in (or a response_url): the method, the
channel and thread, the text, and blocks Slack would accept.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest

from bot.cards.common import (
    DECIDE_ANSWER,
    DECIDE_BACK,
    DECIDE_RESTART,
    DECIDE_SHARE,
    DECIDE_START,
)
from bot.cards.help import help_card, home_view
from bot.knowledge.decision import Walkthrough
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.payloads import buttons, find_button
from bot.local_slack.standin import Call, LocalSlack
from bot.local_slack.workspace import CHANNEL, DM, OTHER_USER, USER
from bot.walkthrough.planning import IN_CHANNEL, IN_DM
from bot.walkthrough.state import State, decode_state
from tests.support.blockkit import all_text, check_message
from tests.support.harness import RunningApp
from tests.support.walkthrough_paths import ALL_PM, ALL_TPM, BOTH_STRONG, PM_NOW_WITH_PROGRAM

STARTER = f"<@{USER}> is working out whether to hire a PM or a TPM"
MENTION_TS = "1700000100.000100"
Started = tuple[Call, Call]
"""The `started` fixture: the starter message and the first question."""


# --- helpers ------------------------------------------------------------------------------------


def number_posts(stub: LocalSlack) -> None:
    """Answer chat.postMessage with known timestamps (kept as `_ts`), so threads can be checked."""
    counter = itertools.count(1)

    def responder(call: Call) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        if call.method != "chat.postMessage":
            return None
        ts = f"1710000000.{next(counter):06d}"
        call.params["_ts"] = ts
        channel = call.params.get("channel")
        return 200, {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}, {}

    stub.responders.append(responder)


def message_of(call: Call) -> dict[str, Any]:
    """The message as Slack would include it in a click on it."""
    message = {"ts": call.params["_ts"], "text": call.params["text"], "blocks": call.blocks}
    if call.params.get("thread_ts"):
        message["thread_ts"] = call.params["thread_ts"]
    return message


def updated_message(update: Call, thread_ts: str | None) -> dict[str, Any]:
    message = {"ts": update.params["ts"], "text": update.params["text"], "blocks": update.blocks}
    if thread_ts:
        message["thread_ts"] = thread_ts
    return message


def by_action(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    found = [b for b in buttons(blocks) if b["action_id"] == action_id]
    assert len(found) == 1, [b["action_id"] for b in buttons(blocks)]
    return found[0]


def text_of(call: Call) -> str:
    return str(call.params.get("text", "")) + "\n" + all_text(call.blocks)


def state_on(call: Call, walkthrough: Walkthrough, action_id: str = DECIDE_RESTART) -> State:
    """The state a message's buttons carry (from its first option when it has no `action_id`,
    as the first question has no Start over)."""
    found = [b for b in buttons(call.blocks) if b["action_id"] == action_id]
    if not found:
        found = [b for b in buttons(call.blocks) if b["action_id"].startswith(DECIDE_ANSWER)]
    return decode_state(found[0]["value"], walkthrough)


def check_everything_sent(stub: LocalSlack) -> None:
    for call in stub.posts():
        check_message({"text": call.params.get("text"), "blocks": call.blocks})


def option_index(walkthrough: Walkthrough, number: int, option_id: str) -> int:
    return [o.id for o in walkthrough.questions[number].options].index(option_id)


async def answer(
    app: RunningApp,
    stub: LocalSlack,
    walkthrough: Walkthrough,
    question: Call,
    option_id: str,
    *,
    channel: str,
) -> Call:
    """Click an option on `question`; return the message posted next."""
    number = len(state_on(question, walkthrough).answers)
    posted = len(stub.of("chat.postMessage"))
    button = by_action(
        question.blocks, f"{DECIDE_ANSWER}.{option_index(walkthrough, number, option_id)}"
    )
    await app.click(button, user=USER, channel=channel, message=message_of(question))
    return (await stub.wait_for("chat.postMessage", posted + 1))[-1]


async def walk(
    app: RunningApp,
    stub: LocalSlack,
    walkthrough: Walkthrough,
    first: Call,
    path: tuple[str, ...],
    *,
    channel: str,
) -> tuple[list[Call], Call]:
    """Answer every question of `path` from `first`; return the question messages and the result."""
    questions, shown = [], first
    for option_id in path:
        questions.append(shown)
        shown = await answer(app, stub, walkthrough, shown, option_id, channel=channel)
    return questions, shown


def assert_records(
    stub: LocalSlack, walkthrough: Walkthrough, questions: list[Call], path: tuple[str, ...]
) -> None:
    """Each question message was edited, in place, into its question and the chosen answer."""
    updates = stub.of("chat.update")
    assert len(updates) == len(questions)
    for number, (question, update, option_id) in enumerate(
        zip(questions, updates, path, strict=True)
    ):
        assert update.params["ts"] == question.params["_ts"]
        assert buttons(update.blocks) == []
        option = walkthrough.questions[number].option(option_id)
        assert option is not None
        label = option.label
        assert f"Question {number + 1} of {len(walkthrough.questions)}" in text_of(update)
        assert f":white_check_mark: {label}" in text_of(update)


def result_header(call: Call) -> str:
    assert call.blocks[0]["type"] == "header"
    return call.blocks[0]["text"]["text"]


def open_values(call: Call) -> list[str]:
    return [b["value"] for b in buttons(call.blocks) if b["action_id"].startswith("rolefit.open")]


async def decide_in_thread(app: RunningApp) -> None:
    """`/rolefit decide` in a channel asks first; pick the thread (that click's response_url is
    named "where")."""
    where = await app.command("decide")
    check_message(where)
    assert where["response_type"] == "ephemeral"
    button = find_button(where["blocks"], text="In a thread here")
    await app.click(button, ephemeral=True, response_url=app.stub.response_url("where"))


async def notes(stub: LocalSlack, count: int) -> list[Call]:
    """Private notes sent through a response_url, leaving out the choice message's replacement."""
    await stub.wait_for("response_url", count + 1)
    return [c for c in stub.of("response_url") if c.params.get("replace_original") is not True]


def other_notes(stub: LocalSlack) -> list[Call]:
    """response_url calls other than those of the "where" choice."""
    return [c for c in stub.of("response_url") if c.params["_name"] != "where"]


async def start_from_command(app: RunningApp, stub: LocalSlack) -> tuple[Call, Call]:
    await decide_in_thread(app)
    starter, first = await stub.wait_for("chat.postMessage", 2)
    return starter, first


@pytest.fixture
def walkthrough(knowledge: Knowledge) -> Walkthrough:
    return knowledge.walkthrough


@pytest.fixture
async def started(app: RunningApp, stub: LocalSlack) -> Started:
    """`/rolefit decide` in CHANNEL, posts numbered: the starter message and the first question."""
    number_posts(stub)
    return await start_from_command(app, stub)


async def other_user_answers(app: RunningApp, first: Call, **click: Any) -> None:
    """OTHER_USER clicks the first option of someone else's first question."""
    await app.click(
        by_action(first.blocks, f"{DECIDE_ANSWER}.0"),
        user=OTHER_USER,
        channel=CHANNEL,
        message=message_of(first),
        **click,
    )


# --- whole walkthroughs -------------------------------------------------------------------------


async def test_decide_command_runs_in_a_channel_thread_to_a_tpm_verdict(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough, started: Started
) -> None:
    starter, first = started
    assert starter.params["channel"] == CHANNEL
    assert "thread_ts" not in starter.params
    assert starter.params["text"] == STARTER
    assert buttons(starter.blocks) == []
    assert first.params["channel"] == CHANNEL
    assert first.params["thread_ts"] == starter.params["_ts"]
    assert f"Question 1 of {len(walkthrough.questions)}" in text_of(first)
    assert state_on(first, walkthrough) == State(USER, (), walkthrough.fingerprint, IN_CHANNEL)

    questions, result = await walk(app, stub, walkthrough, first, ALL_TPM, channel=CHANNEL)

    for number, question in enumerate(questions, start=1):
        assert question.params["thread_ts"] == starter.params["_ts"]
        assert f"Question {number} of {len(walkthrough.questions)}" in question.params["text"]
    assert_records(stub, walkthrough, questions, ALL_TPM)
    assert all(u.params["channel"] == CHANNEL for u in stub.of("chat.update"))
    assert result.params["channel"] == CHANNEL
    assert result.params["thread_ts"] == starter.params["_ts"]
    assert result_header(result) == "Hire a Technical Product Manager"
    assert open_values(result) == ["jd:tpm", "compare:"]
    assert find_button(result.blocks, text="share the result in the channel")
    assert find_button(result.blocks, text="start over")
    assert not other_notes(stub)
    check_everything_sent(stub)


async def test_a_mention_runs_in_the_mention_thread_to_a_pm_verdict(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough
) -> None:
    number_posts(stub)
    await app.event(payloads.mention("help me decide", ts=MENTION_TS))
    starter, first = await stub.wait_for("chat.postMessage", 2)
    assert starter.params["text"] == STARTER
    assert starter.params["thread_ts"] == MENTION_TS
    assert first.params["thread_ts"] == MENTION_TS

    questions, result = await walk(app, stub, walkthrough, first, ALL_PM, channel=CHANNEL)

    assert all(q.params["thread_ts"] == MENTION_TS for q in questions)
    assert_records(stub, walkthrough, questions, ALL_PM)
    assert result.params["thread_ts"] == MENTION_TS
    assert result_header(result) == "Hire a Product Manager"
    assert open_values(result) == ["jd:pm", "compare:"]
    assert "What the PM would own first" in text_of(result)
    check_everything_sent(stub)


async def test_a_dm_runs_in_the_dm_to_both_and_starts_over_below_the_result(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough
) -> None:
    number_posts(stub)
    await app.event(payloads.dm("should we hire a pm or a tpm"))
    (first,) = await stub.wait_for("chat.postMessage", 1)
    assert first.params["channel"] == DM
    assert "thread_ts" not in first.params
    assert STARTER not in text_of(first)
    assert state_on(first, walkthrough).extra == IN_DM

    questions, result = await walk(app, stub, walkthrough, first, BOTH_STRONG, channel=DM)

    assert all("thread_ts" not in q.params for q in questions)
    assert_records(stub, walkthrough, questions, BOTH_STRONG)
    assert all(u.params["channel"] == DM for u in stub.of("chat.update"))
    assert result_header(result) == "Hire both a PM and a TPM"
    assert open_values(result) == ["jd:pm", "jd:tpm", "compare:"]
    assert DECIDE_SHARE not in [b["action_id"] for b in buttons(result.blocks)]

    updates = len(stub.of("chat.update"))
    await app.click(
        by_action(result.blocks, DECIDE_RESTART), channel=DM, message=message_of(result)
    )
    again = (await stub.wait_for("chat.postMessage", len(questions) + 2))[-1]
    assert again.params["channel"] == DM
    assert "Question 1 of" in text_of(again)
    assert state_on(again, walkthrough) == State(USER, (), walkthrough.fingerprint, IN_DM)
    await stub.settle()
    assert len(stub.of("chat.update")) == updates, "the result stays as it was"
    check_everything_sent(stub)


async def test_the_app_home_button_runs_it_in_the_dm_with_the_program_note(
    app: RunningApp, stub: LocalSlack, knowledge: Knowledge, walkthrough: Walkthrough
) -> None:
    number_posts(stub)
    home = home_view(topics=list(knowledge.topics()))
    await app.click(find_button(home["blocks"], action_prefix=DECIDE_START), home=True)
    (first,) = await stub.wait_for("chat.postMessage", 1)
    assert first.params["channel"] == USER
    assert "thread_ts" not in first.params

    _, result = await walk(app, stub, walkthrough, first, PM_NOW_WITH_PROGRAM, channel=DM)

    assert all(u.params["channel"] == DM for u in stub.of("chat.update"))
    assert result_header(result) == "Hire a PM now, plan for a TPM later"
    assert walkthrough.program_manager_note in text_of(result)
    assert open_values(result) == ["jd:pm", "jd:tpm", "compare:"]
    check_everything_sent(stub)


# --- Back and Start over ------------------------------------------------------------------------


async def test_back_turns_the_question_into_the_previous_one(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough, started: Started
) -> None:
    q1, q2 = walkthrough.questions[0], walkthrough.questions[1]
    starter, first = started
    assert DECIDE_BACK not in [b["action_id"] for b in buttons(first.blocks)]
    second = await answer(app, stub, walkthrough, first, q1.options[0].id, channel=CHANNEL)
    third = await answer(app, stub, walkthrough, second, q2.options[1].id, channel=CHANNEL)
    thread = starter.params["_ts"]

    await app.click(
        by_action(third.blocks, DECIDE_BACK), channel=CHANNEL, message=message_of(third)
    )
    back = (await stub.wait_for("chat.update", 3))[-1]
    assert back.params["ts"] == third.params["_ts"]
    assert "Question 2 of" in text_of(back)
    assert f"Last time you picked *{q2.options[1].label}*" in text_of(back)
    assert state_on(back, walkthrough).answers == (q1.options[0].id,)
    assert DECIDE_BACK in [b["action_id"] for b in buttons(back.blocks)]
    await stub.settle()
    assert len(stub.of("chat.postMessage")) == 4, "Back posts nothing new"

    await app.click(
        by_action(back.blocks, f"{DECIDE_ANSWER}.2"),
        channel=CHANNEL,
        message=updated_message(back, thread),
    )
    posts = await stub.wait_for("chat.postMessage", 5)
    record = stub.of("chat.update")[-1]
    assert record.params["ts"] == third.params["_ts"]
    assert f":white_check_mark: {q2.options[2].label}" in text_of(record)
    assert posts[-1].params["thread_ts"] == thread
    assert "Question 3 of" in text_of(posts[-1])
    assert state_on(posts[-1], walkthrough).answers == (q1.options[0].id, q2.options[2].id)
    check_everything_sent(stub)


async def test_start_over_turns_the_question_back_into_the_first(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough, started: Started
) -> None:
    _, first = started
    second = await answer(app, stub, walkthrough, first, ALL_TPM[0], channel=CHANNEL)
    third = await answer(app, stub, walkthrough, second, ALL_TPM[1], channel=CHANNEL)

    await app.click(
        by_action(third.blocks, DECIDE_RESTART), channel=CHANNEL, message=message_of(third)
    )
    restarted = (await stub.wait_for("chat.update", 3))[-1]
    assert restarted.params["ts"] == third.params["_ts"]
    assert "Question 1 of" in text_of(restarted)
    assert "Started over" in text_of(restarted)
    assert state_on(restarted, walkthrough) == State(USER, (), walkthrough.fingerprint, IN_CHANNEL)
    await stub.settle()
    assert len(stub.of("chat.postMessage")) == 4
    check_everything_sent(stub)


# --- other people, stale buttons ----------------------------------------------------------------


async def test_someone_else_gets_a_private_note_and_can_start_their_own(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough, started: Started
) -> None:
    _, first = started

    await other_user_answers(app, first)
    await stub.wait_for("response_url", 2)
    (note,) = other_notes(stub)
    assert note.params["_name"] == "click"
    assert note.params["response_type"] == "ephemeral"
    assert note.params["replace_original"] is False
    assert f"belongs to <@{USER}>" in note.params["text"]
    assert not stub.of("chat.update")
    assert len(stub.of("chat.postMessage")) == 2

    await app.click(
        find_button(note.blocks, action_prefix=DECIDE_START),
        user=OTHER_USER,
        channel=CHANNEL,
        ephemeral=True,
    )
    starter, own = (await stub.wait_for("chat.postMessage", 4))[-2:]
    assert starter.params["text"] == f"<@{OTHER_USER}> is working out whether to hire a PM or a TPM"
    assert starter.params["channel"] == CHANNEL
    assert "thread_ts" not in starter.params
    assert own.params["thread_ts"] == starter.params["_ts"]
    assert state_on(own, walkthrough).owner == OTHER_USER
    check_everything_sent(stub)


async def test_without_a_response_url_the_note_goes_by_post_ephemeral_in_the_thread(
    app: RunningApp, stub: LocalSlack, started: Started
) -> None:
    starter, first = started
    await other_user_answers(app, first, response_url="")
    (note,) = await stub.wait_for("chat.postEphemeral", 1)
    assert note.params["channel"] == CHANNEL
    assert note.params["user"] == OTHER_USER
    assert note.params["thread_ts"] == starter.params["_ts"]
    assert f"belongs to <@{USER}>" in note.params["text"]
    assert not stub.of("chat.update")
    check_everything_sent(stub)


DONE = ".".join(ALL_TPM)
TAMPERED = {
    "not a walkthrough value": (f"{DECIDE_ANSWER}.0", "not-a-walkthrough-value"),
    "questions changed": (f"{DECIDE_ANSWER}.0", f"w1:00000000:{USER}::c"),
    "another version": (f"{DECIDE_ANSWER}.0", f"w0:{{fp}}:{USER}::c"),
    "unknown option": (f"{DECIDE_ANSWER}.0", f"w1:{{fp}}:{USER}:no-such-option:c"),
    "too many answers": (f"{DECIDE_ANSWER}.0", f"w1:{{fp}}:{USER}:{DONE}.scaling:c"),
    "no such option index": (f"{DECIDE_ANSWER}.9", f"w1:{{fp}}:{USER}::c"),
    "answer after the result": (f"{DECIDE_ANSWER}.0", f"w1:{{fp}}:{USER}:{DONE}:c"),
    "back from the first question": (DECIDE_BACK, f"w1:{{fp}}:{USER}::c"),
    "share before the end": (DECIDE_SHARE, f"w1:{{fp}}:{USER}:scaling:c"),
    "share from a DM": (DECIDE_SHARE, f"w1:{{fp}}:{USER}:{DONE}:d"),
    "empty value": (DECIDE_RESTART, ""),
}


async def test_stale_or_tampered_buttons_get_an_out_of_date_note(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough, caplog: pytest.LogCaptureFixture
) -> None:
    """One app for every case, to keep this fast; each click has its own response_url."""
    caplog.set_level(logging.INFO)
    for number, (case, (action_id, template)) in enumerate(TAMPERED.items(), start=1):
        value = template.replace("{fp}", walkthrough.fingerprint)
        button = {
            "action_id": action_id,
            "value": value,
            "text": {"type": "plain_text", "text": "x"},
        }
        caplog.clear()
        await app.click(
            button,
            channel=CHANNEL,
            message={"ts": "1.1", "thread_ts": "1.0"},
            response_url=stub.response_url(f"case{number}"),
        )
        note = (await stub.wait_for("response_url", number))[-1]
        assert note.params["_name"] == f"case{number}", case
        assert "out of date" in note.params["text"], case
        assert note.params["response_type"] == "ephemeral", case
        assert note.params["replace_original"] is False, case
        assert find_button(note.blocks, action_prefix=DECIDE_START), case
        # The note is the last thing a refused click does, so anything else would be here by now.
        assert not [c for c in stub.calls if c.method.startswith("chat.")], case
        refused = [r for r in caplog.records if "walkthrough button refused" in r.getMessage()]
        assert len(refused) == 1, case
        assert not any(r.levelno >= logging.ERROR for r in caplog.records), case
    check_everything_sent(stub)


# --- the bot cannot post where it was asked -----------------------------------------------------


async def test_not_in_channel_moves_a_command_to_the_dm_and_says_so(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough
) -> None:
    stub.fail("chat.postMessage", "not_in_channel", times=1)
    number_posts(stub)
    await decide_in_thread(app)
    refused, first = await stub.wait_for("chat.postMessage", 2)
    assert refused.params["channel"] == CHANNEL
    assert first.params["channel"] == USER
    assert "thread_ts" not in first.params
    assert f"I can't post in <#{CHANNEL}>" in text_of(first)
    assert state_on(first, walkthrough) == State(USER, (), walkthrough.fingerprint, IN_DM)
    (told,) = await notes(stub, 1)
    assert told.params["_name"] == "where"
    assert told.params["response_type"] == "ephemeral"
    assert "direct messages" in told.params["text"]

    second = await answer(app, stub, walkthrough, first, ALL_PM[0], channel=DM)
    assert second.params["channel"] == DM
    assert stub.of("chat.update")[-1].params["channel"] == DM
    check_everything_sent(stub)


async def test_channel_not_found_moves_a_button_start_to_the_dm(
    app: RunningApp, stub: LocalSlack
) -> None:
    stub.fail("chat.postMessage", "channel_not_found", times=1)
    number_posts(stub)
    shared = {"ts": "1700000600.000600", "text": "a shared card", "blocks": help_card().blocks}
    await app.click(
        find_button(help_card().blocks, action_prefix=DECIDE_START),
        channel="C0NOTMINE",
        message=shared,
    )
    refused, first = await stub.wait_for("chat.postMessage", 2)
    assert refused.params["channel"] == "C0NOTMINE"
    assert first.params["channel"] == USER
    assert "I can't post in <#C0NOTMINE>" in text_of(first)
    (told,) = await stub.wait_for("response_url", 1)
    assert told.params["_name"] == "click"
    assert "direct messages" in told.params["text"]
    check_everything_sent(stub)


async def test_another_failure_to_post_is_reported_not_moved(
    app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    stub.fail("chat.postMessage", "msg_too_long", times=1)
    await decide_in_thread(app)
    (told,) = await notes(stub, 1)
    assert "Sorry" in told.params["text"]
    await stub.settle()
    assert len(stub.of("chat.postMessage")) == 1
    assert any("msg_too_long" in r.getMessage() for r in caplog.records)
    check_everything_sent(stub)


async def test_a_failed_record_update_still_shows_the_next_question(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough
) -> None:
    number_posts(stub)
    stub.fail("chat.update", "cant_update_message", times=1)
    _, first = await start_from_command(app, stub)
    second = await answer(app, stub, walkthrough, first, ALL_PM[0], channel=CHANNEL)
    assert "Question 2 of" in text_of(second)


# --- starting from other cards ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "ephemeral", "starter_thread", "question_thread"),
    [
        pytest.param({}, True, None, "starter", id="ephemeral card in a channel"),
        pytest.param({}, False, None, "starter", id="top-level card in a channel"),
        pytest.param(
            {"thread_ts": "1700000700.000000"},
            False,
            "1700000700.000000",
            "1700000700.000000",
            id="card in a channel thread",
        ),
    ],
)
async def test_the_decide_button_on_a_card_in_a_channel(
    app: RunningApp,
    stub: LocalSlack,
    walkthrough: Walkthrough,
    message: dict[str, Any],
    ephemeral: bool,
    starter_thread: str | None,
    question_thread: str,
) -> None:
    number_posts(stub)
    card = {"ts": "1700000700.000100", "text": "card", "blocks": help_card().blocks, **message}
    button = find_button(help_card().blocks, action_prefix=DECIDE_START)
    await app.click(button, channel=CHANNEL, ephemeral=ephemeral, message=card)
    starter, first = await stub.wait_for("chat.postMessage", 2)
    assert starter.params["text"] == STARTER
    assert starter.params["channel"] == CHANNEL
    assert starter.params.get("thread_ts") == starter_thread
    expected = starter.params["_ts"] if question_thread == "starter" else question_thread
    assert first.params["thread_ts"] == expected
    assert state_on(first, walkthrough) == State(USER, (), walkthrough.fingerprint, IN_CHANNEL)
    check_everything_sent(stub)


async def test_the_decide_button_on_a_card_in_the_dm(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough
) -> None:
    number_posts(stub)
    card = {"ts": "1700000700.000100", "text": "card", "blocks": help_card().blocks}
    button = find_button(help_card().blocks, action_prefix=DECIDE_START)
    await app.click(button, channel=DM, message=card)
    (first,) = await stub.wait_for("chat.postMessage", 1)
    assert first.params["channel"] == DM
    assert "thread_ts" not in first.params
    assert "Question 1 of" in text_of(first)
    assert state_on(first, walkthrough).extra == IN_DM
    await stub.settle()
    assert len(stub.of("chat.postMessage")) == 1, "no starter message in a DM"


# --- sharing, and any process taking the next click ---------------------------------------------


async def test_share_posts_a_summary_to_the_channel_itself(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough, started: Started
) -> None:
    starter, first = started
    _, result = await walk(app, stub, walkthrough, first, ALL_TPM, channel=CHANNEL)
    share = by_action(result.blocks, DECIDE_SHARE)
    posted, updated = len(stub.of("chat.postMessage")), len(stub.of("chat.update"))

    await app.click(share, user=OTHER_USER, channel=CHANNEL, message=message_of(result))
    await stub.wait_for("response_url", 2)
    (refused,) = other_notes(stub)
    assert f"belongs to <@{USER}>" in refused.params["text"]

    await app.click(share, channel=CHANNEL, message=message_of(result))
    summary = (await stub.wait_for("chat.postMessage", posted + 1))[-1]
    assert summary.params["channel"] == CHANNEL
    assert "thread_ts" not in summary.params
    assert result_header(summary) == "Hire a Technical Product Manager"
    assert f"Shared by <@{USER}>" in text_of(summary)
    assert find_button(summary.blocks, action_prefix=DECIDE_START)
    done = (await stub.wait_for("chat.update", updated + 1))[-1]
    assert done.params["ts"] == result.params["_ts"]
    assert DECIDE_SHARE not in [b["action_id"] for b in buttons(done.blocks)]
    assert "Shared in the channel" in text_of(done)
    assert starter.params["_ts"] == result.params["thread_ts"]
    check_everything_sent(stub)


async def test_another_process_takes_the_next_click(
    app: RunningApp,
    stub: LocalSlack,
    knowledge: Knowledge,
    walkthrough: Walkthrough,
    started: Started,
) -> None:
    _, first = started
    other = await RunningApp.start(stub, knowledge)
    try:
        second = await answer(other, stub, walkthrough, first, ALL_TPM[0], channel=CHANNEL)
    finally:
        await other.stop()
    assert "Question 2 of" in text_of(second)
    assert state_on(second, walkthrough).answers == (ALL_TPM[0],)


async def test_a_double_click_on_an_option_acts_once(
    app: RunningApp, stub: LocalSlack, walkthrough: Walkthrough, started: Started
) -> None:
    _, first = started
    option = by_action(first.blocks, f"{DECIDE_ANSWER}.0")
    first_click = await app.click(option, channel=CHANNEL, message=message_of(first))
    second_click = await app.click(option, channel=CHANNEL, message=message_of(first))
    assert first_click == second_click == 200
    posts = await stub.wait_for("chat.postMessage", 3)
    await stub.settle()
    assert len(stub.of("chat.postMessage")) == 3, "one next question, not two"
    assert len(stub.of("chat.update")) == 1
    assert "Question 2 of" in text_of(posts[-1])
    assert state_on(posts[-1], walkthrough).answers == (walkthrough.questions[0].options[0].id,)
