"""Scenario tests: signed requests in over real HTTP, Web API calls out to the local stand-in."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest

from bot.cards.common import DECIDE_START, HELPFUL, NOT_HELPFUL, OPEN, SHARE, Surface
from bot.cards.replies import RoleFit
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.payloads import buttons, find_button
from bot.local_slack.signing import FORM, form_body, json_body, payload_body
from bot.local_slack.standin import LocalSlack
from bot.local_slack.workspace import BOT_ID, BOT_USER, CHANNEL, DM, OTHER_USER, USER
from tests.support.blockkit import all_text, check_message, check_view
from tests.support.harness import RunningApp


def _all_text(message: dict) -> str:
    return all_text(message.get("blocks", [])) + "\n" + message.get("text", "")


# --- /rolefit --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "help", "HELP"])
async def test_help_card(app: RunningApp, stub: LocalSlack, text: str) -> None:
    body = await app.command(text)
    check_message(body)
    assert body["response_type"] == "ephemeral"
    for sub in ("compare", "decide", "jd pm", "topics"):
        assert f"/rolefit {sub}" in _all_text(body)
    await stub.settle(0.1)
    assert stub.posts() == []


async def test_question_answered_privately_in_the_ack(
    app: RunningApp, stub: LocalSlack, knowledge: Knowledge
) -> None:
    entry = next(e for e in knowledge.entries if e.topic == "salary")
    body = await app.command(entry.question)
    check_message(body)
    assert body["response_type"] == "ephemeral"
    assert entry.answer in _all_text(body)
    labels = [b["text"]["text"] for b in buttons(body["blocks"])]
    assert "Share in channel" in labels
    assert any("Helpful" in label for label in labels)
    assert any("Not helpful" in label for label in labels)
    await stub.settle(0.1)
    assert stub.posts() == [], "the answer costs no Web API call"


async def test_did_you_mean_and_its_buttons(
    app: RunningApp, stub: LocalSlack, rolefit: RoleFit
) -> None:
    near_miss = "platform"
    assert rolefit.answer(near_miss, surface=Surface.PRIVATE).kind == "suggest"
    body = await app.command(near_miss)
    check_message(body)
    assert "Did you mean" in body["text"]
    choices = [b for b in buttons(body["blocks"]) if b["action_id"].startswith(OPEN)]
    assert 2 <= len(choices) <= 4
    status = await app.click(choices[0], ephemeral=True)
    assert status == 200
    [replaced] = await stub.wait_for("response_url")
    check_message(replaced.params)
    assert replaced.params["replace_original"] is True
    assert replaced.params["response_type"] == "ephemeral"


async def test_no_match_card(app: RunningApp, stub: LocalSlack) -> None:
    body = await app.command("can I expense a taxi?")
    check_message(body)
    assert "don't know that one" in body["text"]
    assert "`can I expense a taxi?`" in _all_text(body)
    assert find_button(body["blocks"], action_prefix=DECIDE_START)


async def test_compare_card_and_area(app: RunningApp, knowledge: Knowledge) -> None:
    body = await app.command("compare")
    check_message(body)
    [table] = [b for b in body["blocks"] if b["type"] == "table"]
    assert len(table["rows"]) == 1 + 8
    for alias, area_id in (("kpis", "kpis"), ("skills", "skills"), ("day to day", "day-to-day")):
        body = await app.command(f"compare {alias}")
        check_message(body)
        area = next(a for a in knowledge.areas if a.id == area_id)
        assert area.detail in _all_text(body)
    body = await app.command("compare <!channel> weather")
    check_message(body)
    assert "<!channel>" not in _all_text(body)
    assert "I can't compare" in _all_text(body)


@pytest.mark.parametrize("role", ["pm", "tpm"])
async def test_profiles_and_job_descriptions(
    app: RunningApp, knowledge: Knowledge, role: str
) -> None:
    profile = knowledge.roles[role]
    body = await app.command(role)
    check_message(body)
    text = _all_text(body)
    for item in (*profile.responsibilities, *profile.kpis, *profile.deliverables):
        assert item in text
    labels = [b["text"]["text"] for b in buttons(body["blocks"])]
    assert "Sample job description" in labels and "Compare PM vs TPM" in labels
    assert find_button(body["blocks"], action_prefix=DECIDE_START)
    body = await app.command(f"jd {role}")
    check_message(body)
    assert profile.job_description.title in _all_text(body)
    for duty in profile.job_description.duties:
        assert duty in _all_text(body)


async def test_jd_without_role_asks_which(app: RunningApp) -> None:
    body = await app.command("jd")
    check_message(body)
    values = {b["value"] for b in buttons(body["blocks"])}
    assert values == {"jd:pm", "jd:tpm"}


async def test_topics(app: RunningApp, knowledge: Knowledge) -> None:
    body = await app.command("topics")
    check_message(body)
    values = {b["value"] for b in buttons(body["blocks"])}
    assert values == {f"topic:{t}" for t in knowledge.topics()}


async def test_bare_tpm_note_links_to_program_manager_entry(app: RunningApp) -> None:
    body = await app.command("which kpis does a tpm own?")
    note = find_button(body["blocks"], text="Program Manager?")
    assert note["value"].startswith("entry:")


# --- buttons on the private answer --------------------------------------------------------------


async def test_share_posts_publicly_with_shared_by(
    app: RunningApp, stub: LocalSlack, knowledge: Knowledge
) -> None:
    entry = next(e for e in knowledge.entries if e.topic == "startups")
    body = await app.command(entry.question)
    share = find_button(body["blocks"], action_prefix=SHARE)
    await app.click(share, ephemeral=True)
    calls = await stub.wait_for("response_url", 2)
    public = next(c for c in calls if c.params["response_type"] == "in_channel")
    check_message(public.params)
    assert public.params["replace_original"] is False
    assert f"Shared by <@{USER}>" in _all_text(public.params)
    assert entry.answer in _all_text(public.params)
    assert not any(b["action_id"] == SHARE for b in buttons(public.params["blocks"]))
    confirm = next(c for c in calls if c.params["response_type"] == "ephemeral")
    assert confirm.params["replace_original"] is True


@pytest.mark.parametrize(("action", "word"), [(HELPFUL, "helpful"), (NOT_HELPFUL, "not helpful")])
async def test_feedback_is_acknowledged_privately(
    app: RunningApp, stub: LocalSlack, action: str, word: str
) -> None:
    body = await app.command("what is a product manager")
    button = find_button(body["blocks"], action_prefix=action)
    await app.click(button, ephemeral=True)
    [ack] = await stub.wait_for("response_url")
    assert ack.params["response_type"] == "ephemeral"
    assert ack.params["replace_original"] is True
    assert f"You found this {word}" in _all_text(ack.params)


async def test_related_button_replaces_the_private_card(
    app: RunningApp, stub: LocalSlack, knowledge: Knowledge
) -> None:
    entry = next(e for e in knowledge.entries if e.related)
    body = await app.command(entry.question)
    related = find_button(body["blocks"], value=f"entry:{entry.related[0]}")
    await app.click(related, ephemeral=True)
    [call] = await stub.wait_for("response_url")
    check_message(call.params)
    assert knowledge.by_id[entry.related[0]].answer in _all_text(call.params)


async def test_stale_button_gets_a_polite_note(app: RunningApp, stub: LocalSlack) -> None:
    await app.click({"action_id": f"{OPEN}.0", "value": "entry:gone-away"}, ephemeral=True)
    [call] = await stub.wait_for("response_url")
    assert "out of date" in call.params["text"]


# --- mentions and DMs ----------------------------------------------------------------------------


async def test_mention_answers_in_a_thread(app: RunningApp, stub: LocalSlack) -> None:
    status = await app.event(payloads.mention("do startups need a tpm?", ts="1700000100.000100"))
    assert status == 200
    [post] = await stub.wait_for("chat.postMessage")
    check_message(post.params)
    assert post.params["channel"] == CHANNEL
    assert post.params["thread_ts"] == "1700000100.000100"
    assert not any(b["action_id"] == SHARE for b in buttons(post.blocks))


async def test_mention_inside_a_thread_answers_in_that_thread(
    app: RunningApp, stub: LocalSlack
) -> None:
    event = payloads.mention("pm kpis", ts="1700000101.000200", thread_ts="1700000050.000050")
    await app.event(event)
    [post] = await stub.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1700000050.000050"


async def test_bare_mention_gives_short_help(app: RunningApp, stub: LocalSlack) -> None:
    await app.event(payloads.mention(""))
    [post] = await stub.wait_for("chat.postMessage")
    check_message(post.params)
    assert "decide" in post.params["text"]


async def test_mention_text_is_escaped(app: RunningApp, stub: LocalSlack) -> None:
    await app.event(payloads.mention("<!channel> <@U0BOB0002> <https://evil.example|win> lunch?"))
    [post] = await stub.wait_for("chat.postMessage")
    check_message(post.params)
    text = _all_text(post.params)
    assert "<!channel>" not in text and "<@U0BOB0002>" not in text and "<https://evil" not in text


async def test_slack_markup_is_not_read_as_words(
    app: RunningApp, stub: LocalSlack, knowledge: Knowledge
) -> None:
    """Emoji, mentions and links are markup, not words: the question under them is answered as
    if typed plainly, through a slash command and a mention alike."""
    entry = next(e for e in knowledge.entries if e.topic == "salary")
    marked = f"{entry.question} :thinking_face: <@U0BOB0002> <https://example.com/pay|pay>"
    body = await app.command(marked)
    check_message(body)
    assert entry.answer in _all_text(body)
    await app.event(payloads.mention(f":wave: {entry.question} :pray:"))
    [post] = await stub.wait_for("chat.postMessage")
    check_message(post.params)
    assert entry.answer in _all_text(post.params)


async def test_public_related_button_posts_in_the_thread(
    app: RunningApp, stub: LocalSlack, knowledge: Knowledge
) -> None:
    entry = next(e for e in knowledge.entries if e.related and e.topic == "kpis")
    await app.event(payloads.mention(entry.question, ts="1700000102.000300"))
    [post] = await stub.wait_for("chat.postMessage")
    related = find_button(post.blocks, value=f"entry:{entry.related[0]}")
    message = {"ts": "1700000000.000001", "thread_ts": "1700000102.000300", "text": "x"}
    await app.click(related, message=message)
    posts = await stub.wait_for("chat.postMessage", 2)
    assert posts[1].params["thread_ts"] == "1700000102.000300"
    assert posts[1].params["channel"] == CHANNEL
    check_message(posts[1].params)


async def test_direct_message_answers_in_the_dm(app: RunningApp, stub: LocalSlack) -> None:
    await app.event(payloads.dm("how do pms and tpms work together?"))
    [post] = await stub.wait_for("chat.postMessage")
    check_message(post.params)
    assert post.params["channel"] == DM
    assert post.params.get("thread_ts") is None


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "B0OTHER01"},
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"subtype": "channel_join"},
        {"user": BOT_USER, "bot_id": BOT_ID},
    ],
)
async def test_bots_edits_and_joins_are_ignored(
    app: RunningApp, stub: LocalSlack, extra: dict
) -> None:
    assert await app.event(payloads.dm("what is a tpm", **extra)) == 200
    await app.event(payloads.dm("what is a pm", ts="1700000999.000999"))
    posts = await stub.wait_for("chat.postMessage")
    await stub.settle()
    assert len(stub.of("chat.postMessage")) == 1
    assert "What" in posts[0].params["text"] and "Product Manager" in posts[0].params["text"]


async def test_channel_messages_are_not_answered(app: RunningApp, stub: LocalSlack) -> None:
    await app.event(payloads.dm("what is a tpm", channel_type="channel", channel=CHANNEL))
    await stub.settle()
    assert stub.of("chat.postMessage") == []


# --- App Home -----------------------------------------------------------------------------------


async def test_app_home_is_published(app: RunningApp, stub: LocalSlack) -> None:
    await app.event(payloads.home_opened())
    [call] = await stub.wait_for("views.publish")
    assert call.params["user_id"] == USER
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    check_view(view)
    values = {b["value"] for b in buttons(view["blocks"])}
    assert "compare:" in values
    assert any(v.startswith("topic:") for v in values)


async def test_messages_tab_does_not_publish(app: RunningApp, stub: LocalSlack) -> None:
    await app.event(payloads.home_opened(tab="messages"))
    await stub.settle()
    assert stub.of("views.publish") == []


async def test_home_button_answers_in_the_dm(app: RunningApp, stub: LocalSlack) -> None:
    await app.click({"action_id": f"{OPEN}.0", "value": "compare:"}, home=True, user=OTHER_USER)
    [post] = await stub.wait_for("chat.postMessage")
    assert post.params["channel"] == OTHER_USER
    check_message(post.params)


# --- request verification and errors ------------------------------------------------------------


async def test_unsigned_wrong_and_stale_requests_are_refused(
    app: RunningApp, stub: LocalSlack
) -> None:
    body = form_body(payloads.command("what is a tpm"))
    assert (await app.post(body, content_type=FORM, signed=False))[0] == 401
    forged = {"X-Slack-Signature": "v0=" + "0" * 64}
    assert (await app.post(body, content_type=FORM, headers=forged))[0] == 401
    stale = int(time.time()) - 6 * 60
    assert (await app.post(body, content_type=FORM, timestamp=stale))[0] == 401
    event = json_body(payloads.envelope(payloads.mention("hi")))
    assert (await app.post(event, content_type="application/json", signed=False))[0] == 401
    click = payload_body(payloads.block_action({"action_id": f"{HELPFUL}", "value": "x"}))
    assert (await app.post(click, content_type=FORM, signed=False))[0] == 401
    await stub.settle()
    assert stub.posts() == []


@pytest.fixture
async def failing_app(stub: LocalSlack, knowledge: Knowledge) -> AsyncIterator[RunningApp]:
    """The real app whose answering raises, as a bug in a reply would."""
    running = await RunningApp.start(stub, knowledge)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("kaboom")

    # A stand-in for a bug inside the reply path, swapped in on this app's own RoleFit.
    running.services.rolefit.reply = broken  # type: ignore[method-assign,assignment]
    try:
        yield running
    finally:
        await running.stop()


async def test_listener_errors_become_a_polite_message(
    failing_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    body = await failing_app.command("what is a tpm")
    assert body["response_type"] == "ephemeral"
    assert "Sorry" in body["text"]
    assert "boom" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    assert any("command failed" in r.getMessage() for r in caplog.records)


async def test_health_check(app: RunningApp) -> None:
    assert app.session is not None
    async with app.session.get(f"http://127.0.0.1:{app.port}/healthz") as response:
        assert response.status == 200


async def test_a_failing_mention_answer_becomes_a_polite_message(
    failing_app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    await failing_app.event(payloads.mention("what is a tpm", ts="1700000300.000300"))
    [post] = await stub.wait_for("chat.postMessage")
    check_message(post.params)
    assert post.params["thread_ts"] == "1700000300.000300"
    assert "Sorry" in post.params["text"]
    assert "kaboom" not in json.dumps(post.params)
    failures = [r for r in caplog.records if r.getMessage() == "answering failed"]
    assert failures and vars(failures[0])["ids"]["channel"] == CHANNEL
