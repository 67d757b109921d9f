"""Ask a person, end to end through signed requests: the question reaches the experts channel,
an expert answers in a modal, the asker gets the answer where they asked, and the answer is kept
as a draft that `rolefit drafts export` turns into FAQ entries `rolefit check` accepts."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.cards.common import ASK_PERSON, EXPERT_ANSWER, NOT_HELPFUL, Surface
from bot.cards.experts import ANSWER_BLOCK, INPUT, QUESTION_BLOCK, TOPIC_BLOCK, Asked, decode_asked
from bot.cards.replies import RoleFit
from bot.feedback.store import SqliteStore
from bot.knowledge.loader import MAX_ANSWER, load_knowledge
from bot.local_slack import payloads, workspace
from bot.local_slack.standin import Call, LocalSlack
from tests.conftest import Start
from tests.support.blockkit import all_text, check_message, check_view
from tests.support.cli import copy_knowledge, run_rolefit
from tests.support.harness import RunningApp

EXPERTS = "C0EXPERTS1"
UNKNOWN = "how do I knit a <b>sweater</b> for <!channel> with token xoxb-1234-abcd?"
ANSWER = "Knitting is off topic here, but *try* the #crafts channel & ask <@U0CAROL>."


@pytest.fixture
def experts_app(start: Start) -> Start:
    """The app with ROLEFIT_EXPERTS_CHANNEL set (and ROLEFIT_DB in tmp_path)."""

    async def starter(**overrides: Any) -> RunningApp:
        return await start(**{"experts_channel": EXPERTS, **overrides})

    return starter


def view_of(call: Call) -> dict[str, Any]:
    view = call.params["view"]
    found: dict[str, Any] = json.loads(view) if isinstance(view, str) else view
    return found


def message_of(call: Call) -> dict[str, Any]:
    return {"text": call.params.get("text"), "blocks": call.blocks}


def values(
    *, question: str | None, topic: str | None, answer: str | None
) -> dict[str, dict[str, dict[str, Any]]]:
    """A modal's state as Slack sends it: empty inputs have a null value."""
    return {
        QUESTION_BLOCK: {INPUT: {"type": "plain_text_input", "value": question}},
        TOPIC_BLOCK: {
            INPUT: {
                "type": "static_select",
                "selected_option": (
                    {"text": {"type": "plain_text", "text": topic}, "value": topic}
                    if topic
                    else None
                ),
            }
        },
        ANSWER_BLOCK: {INPUT: {"type": "plain_text_input", "value": answer}},
    }


async def ask_from_mention(app: RunningApp, stub: LocalSlack) -> Call:
    """Mention RoleFit with an unknown question, press "Ask a person"; the experts' post."""
    assert await app.event(payloads.mention(UNKNOWN, ts="1700000100.000100")) == 200
    [reply] = await stub.wait_for("chat.postMessage")
    check_message(message_of(reply))
    ask = payloads.find_button(reply.blocks, action_prefix=ASK_PERSON)
    message = {"ts": "1700000101.000101", "thread_ts": "1700000100.000100", "blocks": reply.blocks}
    assert await app.click(ask, message=message) == 200
    calls = await stub.wait_for("chat.postMessage", 2)
    return calls[1]


async def open_modal(
    app: RunningApp, stub: LocalSlack, post: Call, *, user: str, ts: str, count: int = 1
) -> dict[str, Any]:
    answer = payloads.find_button(post.blocks, action_prefix=EXPERT_ANSWER)
    message = {"ts": ts, "blocks": post.blocks}
    assert await app.click(answer, channel=EXPERTS, user=user, message=message) == 200
    opened = (await stub.wait_for("views.open", count))[count - 1]
    assert opened.params["trigger_id"].endswith(".trigger")
    view = view_of(opened)
    check_view(view)
    return view


async def modal_for_another_user(
    experts_app: Start, stub: LocalSlack, *, ts: str
) -> tuple[RunningApp, dict[str, Any]]:
    """The app with an experts channel, a question sent there, and its answer modal opened by
    someone other than the asker."""
    app = await experts_app()
    post = await ask_from_mention(app, stub)
    return app, await open_modal(app, stub, post, user=workspace.OTHER_USER, ts=ts)


async def test_the_whole_loop_from_a_mention_to_a_checked_knowledge_folder(
    experts_app: Start, stub: LocalSlack, tmp_path: Path
) -> None:
    app = await experts_app()
    post = await ask_from_mention(app, stub)
    assert post.params["channel"] == EXPERTS
    check_message(message_of(post))
    shown = all_text(post.blocks)
    assert "&lt;b&gt;sweater&lt;/b&gt;" in shown and "<b>" not in shown
    assert "<!channel>" not in shown
    assert "<!channel>" not in post.params["text"] and "xoxb-1234" not in post.params["text"]
    assert "xoxb-1234" not in shown and "[slack token]" in shown
    assert "alice" in shown and f"<#{workspace.CHANNEL}>" in shown
    [told] = await stub.wait_for("response_url")
    assert told.params["response_type"] == "ephemeral"
    assert f"<#{EXPERTS}>" in told.params["text"]

    view = await open_modal(app, stub, post, user=workspace.OTHER_USER, ts="1700000900.000900")
    question_input = next(b for b in view["blocks"] if b.get("block_id") == QUESTION_BLOCK)
    assert "knit a <b>sweater</b>" in question_input["element"]["initial_value"]
    assert "xoxb-1234" not in json.dumps(view)

    submission = payloads.view_submission(
        view,
        values=values(question="How do I learn to knit?", topic="skills", answer=ANSWER),
    )
    status, body = await app.interact(submission)
    assert (status, body) == (200, "")

    posts = await stub.wait_for("chat.postMessage", 3)
    delivered = posts[2]
    assert delivered.params["channel"] == workspace.CHANNEL
    assert delivered.params["thread_ts"] == "1700000100.000100"
    check_message(message_of(delivered))
    text = all_text(delivered.blocks)
    assert "&lt;@U0CAROL&gt;" in text and "<@U0CAROL>" not in text and "*try*" in text
    assert "<@U0CAROL>" not in delivered.params["text"]
    assert "bob" in text
    [update] = await stub.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (EXPERTS, "1700000900.000900")
    check_message(message_of(update))
    assert "Answered by *bob*" in all_text(update.blocks)

    feedback = app.services.feedback
    assert feedback is not None and await asyncio.to_thread(feedback.flush)
    db = feedback.name
    report = run_rolefit("report", "--format", "json", "--db", db)
    assert report.returncode == 0, report.stderr
    [draft] = json.loads(report.stdout)["drafts"]
    assert draft["question"] == "How do I learn to knit?"
    assert draft["topic"] == "skills" and draft["expert_name"] == "bob"
    assert "[slack token]" in draft["asked"] and draft["answer"] == ANSWER

    out = tmp_path / "drafts.yml"
    export = run_rolefit("drafts", "export", "--out", str(out), "--db", db)
    assert export.returncode == 0, export.stderr
    folder = copy_knowledge(tmp_path / "knowledge")
    faq = folder / "faq.yml"
    faq.write_text(faq.read_text("utf-8").rstrip("\n") + "\n" + out.read_text("utf-8"), "utf-8")
    check = run_rolefit("check", str(folder))
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{len(load_knowledge().entries) + 1} questions" in check.stdout
    served = run_rolefit("ask", "How do I learn to knit?", "--format", "json")
    assert json.loads(served.stdout)["verdict"] != "answer", "a draft is never served"


async def test_a_command_question_is_answered_privately_in_the_askers_dm(
    experts_app: Start, stub: LocalSlack
) -> None:
    app = await experts_app()
    ack = await app.command(UNKNOWN)
    ask = payloads.find_button(ack["blocks"], action_prefix=ASK_PERSON)
    assert await app.click(ask, ephemeral=True) == 200
    [post] = await stub.wait_for("chat.postMessage")
    assert "/rolefit" in all_text(post.blocks)
    view = await open_modal(app, stub, post, user=workspace.OTHER_USER, ts="1700000901.000901")
    await app.interact(
        payloads.view_submission(view, values=values(question="Q?", topic="salary", answer="A."))
    )
    posts = await stub.wait_for("chat.postMessage", 2)
    assert posts[1].params["channel"] == workspace.USER
    assert posts[1].params.get("thread_ts") in (None, "")


async def test_a_dm_question_is_answered_in_the_dm(experts_app: Start, stub: LocalSlack) -> None:
    app = await experts_app()
    await app.event(payloads.dm(UNKNOWN))
    [reply] = await stub.wait_for("chat.postMessage")
    ask = payloads.find_button(reply.blocks, action_prefix=ASK_PERSON)
    await app.click(ask, channel=workspace.DM, message={"ts": "1700000201.0", "blocks": []})
    post = (await stub.wait_for("chat.postMessage", 2))[1]
    assert "in a DM with RoleFit" in all_text(post.blocks)
    view = await open_modal(app, stub, post, user=workspace.OTHER_USER, ts="1700000902.000902")
    await app.interact(
        payloads.view_submission(view, values=values(question="Q?", topic="salary", answer="A."))
    )
    delivered = (await stub.wait_for("chat.postMessage", 3))[2]
    assert delivered.params["channel"] == workspace.DM


async def test_did_you_mean_and_not_helpful_offer_a_person(
    experts_app: Start, stub: LocalSlack, rolefit: RoleFit
) -> None:
    app = await experts_app()
    near_miss = "platform"
    assert rolefit.answer(near_miss, surface=Surface.PRIVATE).kind == "suggest"
    ack = await app.command(near_miss)
    payloads.find_button(ack["blocks"], action_prefix=ASK_PERSON)

    ack = await app.command("what does a tpm do")
    vote = payloads.find_button(ack["blocks"], action_prefix=NOT_HELPFUL)
    await app.click(vote, ephemeral=True)
    [thanks] = await stub.wait_for("response_url")
    ask = payloads.find_button(thanks.blocks, action_prefix=ASK_PERSON)
    await app.click(ask, ephemeral=True)
    [post] = await stub.wait_for("chat.postMessage")
    assert "marked not helpful" in all_text(post.blocks)


async def test_the_modal_refuses_empty_and_over_long_fields(
    experts_app: Start, stub: LocalSlack
) -> None:
    app, view = await modal_for_another_user(experts_app, stub, ts="1700000903.0")
    cases = [
        (values(question="  ", topic="skills", answer="fine"), {QUESTION_BLOCK}),
        (values(question="Q?", topic=None, answer=None), {TOPIC_BLOCK, ANSWER_BLOCK}),
        (values(question="Q?", topic="skills", answer="x" * (MAX_ANSWER + 1)), {ANSWER_BLOCK}),
        (
            values(question="Q" * 151, topic="not-a-topic", answer="A"),
            {QUESTION_BLOCK, TOPIC_BLOCK},
        ),
    ]
    for state, fields in cases:
        status, body = await app.interact(payloads.view_submission(view, values=state))
        assert status == 200
        answer = json.loads(body)
        assert answer["response_action"] == "errors"
        assert set(answer["errors"]) == fields
    await stub.settle()
    assert len(stub.of("chat.postMessage")) == 2 and not stub.of("chat.update")


async def test_a_second_expert_sees_the_first_answer_and_can_add_one(
    experts_app: Start, stub: LocalSlack
) -> None:
    app, view = await modal_for_another_user(experts_app, stub, ts="1700000904.0")
    await app.interact(
        payloads.view_submission(view, values=values(question="Q?", topic="skills", answer="A1"))
    )
    [update] = await stub.wait_for("chat.update")
    second = await open_modal(app, stub, update, user="U0CAROL01", ts="1700000904.0", count=2)
    assert "Answered by *bob*" in all_text(second["blocks"])
    await app.interact(
        payloads.view_submission(
            second,
            values=values(question="Q?", topic="skills", answer="A2"),
            user="U0CAROL01",
            user_name="carol",
        )
    )
    updates = await stub.wait_for("chat.update", 2)
    assert "Answered by *bob*, *carol*" in all_text(updates[1].blocks)
    assert len(await stub.wait_for("chat.postMessage", 4)) == 4


@pytest.mark.parametrize("forgery", ["bad signature", "replayed"])
async def test_a_forged_or_replayed_submission_is_refused(
    experts_app: Start, stub: LocalSlack, forgery: str
) -> None:
    app, view = await modal_for_another_user(experts_app, stub, ts="1700000905.0")
    submission = payloads.view_submission(
        view, values=values(question="Q?", topic="skills", answer="A")
    )
    if forgery == "replayed":
        status, _ = await app.interact(submission, timestamp=int(time.time()) - 600)
    else:
        headers = {"X-Slack-Signature": "v0=" + "0" * 64}
        status, _ = await app.interact(submission, headers=headers)
    assert status == 401
    await stub.settle()
    assert len(stub.of("chat.postMessage")) == 2 and not stub.of("chat.update")
    feedback = app.services.feedback
    assert feedback is not None and await asyncio.to_thread(feedback.flush)
    store = SqliteStore.open(feedback.name)
    assert store.drafts() == []
    store.close()


async def test_when_the_experts_channel_cannot_be_reached_the_asker_is_told(
    experts_app: Start, stub: LocalSlack
) -> None:
    app = await experts_app()
    stub.fail("chat.postMessage", "channel_not_found")
    ack = await app.command(UNKNOWN)
    await app.click(payloads.find_button(ack["blocks"], action_prefix=ASK_PERSON), ephemeral=True)
    [told] = await stub.wait_for("response_url")
    assert "could not reach" in told.params["text"]


async def test_without_an_experts_channel_nobody_is_offered_a_person(
    experts_app: Start, stub: LocalSlack
) -> None:
    app = await experts_app(experts_channel=None)
    ack = await app.command(UNKNOWN)
    assert ASK_PERSON not in json.dumps(ack)
    ack = await app.command("what does a tpm do")
    await app.click(payloads.find_button(ack["blocks"], action_prefix=NOT_HELPFUL), ephemeral=True)
    [thanks] = await stub.wait_for("response_url")
    assert ASK_PERSON not in json.dumps(thanks.params)


def test_a_tampered_or_foreign_question_value_is_refused() -> None:
    asked = Asked(user="U1", where="dm", channel="D1", thread_ts=None, text="q", asker_name="a")
    assert decode_asked(asked.encode()) == asked
    for bad in (
        "",
        "not json",
        "[]",
        '{"user": "U1"}',
        asked.encode().replace('"D1"', '"<!here>"'),
    ):
        assert decode_asked(bad) is None
    long = Asked(user="U1", where="dm", channel="D1", thread_ts=None, text='"' * 3000)
    assert len(long.encode()) <= 2000 and decode_asked(long.encode()) is not None
