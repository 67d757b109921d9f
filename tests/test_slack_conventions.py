"""How RoleFit behaves where Slack users have expectations: signed requests in, Web API calls out.

Private vs public replies, errors that cannot be retried, votes on cards, the TPM note, and the
names `compare` accepts.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.cards.common import HELPFUL, NOT_HELPFUL, OPEN, Surface
from bot.cards.replies import RoleFit
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.payloads import find_button
from bot.local_slack.standin import LocalSlack
from bot.local_slack.workspace import CHANNEL, DM, OTHER_USER, USER
from handlers.delivery import undelivered
from handlers.messages import PRIVATE_HERE, UNDELIVERED
from tests.support.blockkit import all_text, check_message
from tests.support.harness import RunningApp


def _text(message: dict[str, Any]) -> str:
    return all_text(message.get("blocks", [])) + "\n" + str(message.get("text", ""))


# --- compare <unknown area> ---------------------------------------------------------------------


async def test_an_unknown_area_lists_the_names_the_help_card_documents(
    app: RunningApp, knowledge: Knowledge
) -> None:
    unknown = await app.command("compare astrology")
    check_message(unknown)
    listed = re.findall(r"`([^`]+)`", unknown["blocks"][0]["text"]["text"].split("I know:")[1])
    names = [area.name.lower() for area in knowledge.areas]
    assert listed == names
    internal = {alias.lower() for area in knowledge.areas for alias in area.aliases} - set(names)
    assert not internal & set(listed), "alias names are internal"

    help_card = await app.command("help")
    assert all(f"`{name}`" in _text(help_card) for name in names)
    for name in names:
        card = await app.command(f"compare {name}")
        assert card["blocks"][0]["type"] == "header", name


# --- the "TPM means Technical Product Manager" note -------------------------------------------

NOTE = "Here *TPM* means Technical _Product_ Manager"


async def test_the_tpm_note_shows_only_when_tpm_is_ambiguous(app: RunningApp) -> None:
    ambiguous = await app.command("which kpis does a tpm own?")
    assert NOTE in _text(ambiguous)
    for clear in (
        "pm vs tpm: which kpis?",
        "which kpis does a tpm own compared with a product manager?",
        "tpm or pms, who owns the roadmap?",
    ):
        body = await app.command(clear)
        check_message(body)
        assert NOTE not in _text(body), clear


async def test_program_manager_is_an_extra_reply_that_keeps_the_answer(
    app: RunningApp, stub: LocalSlack, knowledge: Knowledge
) -> None:
    body = await app.command("which kpis does a tpm own?")
    button = find_button(body["blocks"], text="Program Manager?")
    await app.click(button, ephemeral=True)
    [call] = await stub.wait_for("response_url")
    check_message(call.params)
    assert call.params["replace_original"] is False
    assert call.params["response_type"] == "ephemeral"
    program = knowledge.topics()["program-vs-product"][0]
    assert program.question in _text(call.params)


# --- errors that asking again cannot fix --------------------------------------------------------

PERMANENT_ERRORS = [
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "restricted_action",
    "missing_scope",
]


async def test_a_related_question_on_a_shared_card_is_answered_privately_where_the_bot_is_not(
    app: RunningApp, stub: LocalSlack, knowledge: Knowledge, rolefit: RoleFit
) -> None:
    entry = next(e for e in knowledge.entries if e.related)
    shared = rolefit.render(f"entry:{entry.id}", surface=Surface.PUBLIC, shared_by=USER)
    assert shared is not None
    message = {"ts": "1700000900.000100", "text": shared.text, "blocks": shared.blocks}
    related = knowledge.by_id[entry.related[0]]
    button = find_button(shared.blocks, text=related.question[:30], action_prefix=OPEN)
    stub.fail("chat.postMessage", "not_in_channel")
    assert await app.click(button, user=OTHER_USER, message=message) == 200
    [told] = await stub.wait_for("response_url")
    check_message(told.params)
    assert told.params["response_type"] == "ephemeral"
    assert told.params["replace_original"] is False
    assert related.answer in _text(told.params)
    assert PRIVATE_HERE in _text(told.params)
    assert "again in a moment" not in _text(told.params)
    assert len(stub.of("chat.postMessage")) == 1, "one try: a retry cannot succeed"


@pytest.mark.parametrize("error", PERMANENT_ERRORS)
async def test_a_mention_that_cannot_be_answered_says_what_would_work(
    app: RunningApp, stub: LocalSlack, error: str
) -> None:
    stub.fail("chat.postMessage", error)
    assert await app.event(payloads.mention("what is a tpm?")) == 200
    [note] = await stub.wait_for("chat.postEphemeral")
    text = note.params["text"]
    assert text == undelivered(error)
    assert "again in a moment" not in text
    assert "/rolefit" in text
    if error == "not_in_channel":
        assert "/invite @RoleFit" in text


async def test_a_passing_failure_still_asks_to_try_again(app: RunningApp, stub: LocalSlack) -> None:
    stub.fail("chat.postMessage", "internal_error")
    assert await app.event(payloads.mention("what is a tpm?")) == 200
    [note] = await stub.wait_for("chat.postEphemeral")
    assert note.params["text"] == UNDELIVERED


# --- votes ----------------------------------------------------------------------------------------


def _labels(message: dict[str, Any]) -> list[str]:
    return [str(b["text"]["text"]) for b in payloads.buttons(message["blocks"])]


async def test_a_vote_on_a_private_card_updates_it_in_place_and_can_be_changed(
    app: RunningApp, stub: LocalSlack
) -> None:
    body = await app.command("what is a product manager")
    await app.click(find_button(body["blocks"], action_prefix=HELPFUL), ephemeral=True)
    [first] = await stub.wait_for("response_url")
    check_message(first.params)
    assert (first.params["replace_original"], first.params["response_type"]) == (
        True,
        "ephemeral",
    )
    assert "You found this helpful" in _text(first.params)
    assert body["blocks"][0] == first.params["blocks"][0], "the answer stays"
    assert "Share in channel" in _labels(first.params)
    assert ":thumbsup: Helpful" not in _labels(first.params)

    change = find_button(first.params["blocks"], text="Change to not helpful")
    await app.click(change, ephemeral=True)
    second = (await stub.wait_for("response_url", 2))[1]
    check_message(second.params)
    assert second.params["replace_original"] is True
    assert "You found this not helpful" in _text(second.params)
    assert find_button(second.params["blocks"], text="Change to helpful")
    assert stub.of("chat.postMessage") == [] and stub.of("chat.update") == []


async def test_a_vote_on_a_public_answer_is_confirmed_only_to_the_voter(
    app: RunningApp, stub: LocalSlack, rolefit: RoleFit, knowledge: Knowledge
) -> None:
    entry = knowledge.entries[0]
    public = rolefit.render(f"entry:{entry.id}", surface=Surface.PUBLIC)
    assert public is not None
    message = {"ts": "1700000900.000200", "thread_ts": "1700000900.000100", **public.message()}
    vote = find_button(public.blocks, action_prefix=NOT_HELPFUL)
    assert await app.click(vote, user=OTHER_USER, message=message) == 200
    [told] = await stub.wait_for("response_url")
    await stub.settle()
    assert told.params["response_type"] == "ephemeral"
    assert told.params["replace_original"] is False
    assert [c.method for c in stub.posts()] == ["response_url"], "nothing public changes"


# --- /rolefit decide: public or private is the person's choice ----------------------------------


async def test_decide_in_a_channel_asks_first_and_posts_nothing(
    app: RunningApp, stub: LocalSlack
) -> None:
    where = await app.command("decide")
    check_message(where)
    assert where["response_type"] == "ephemeral"
    assert "in a thread, visible to the channel, or privately in a DM?" in _text(where)
    assert _labels(where) == ["In a thread here", "Privately in a DM"]
    await stub.settle()
    assert stub.posts() == [], "nothing shows in the channel before the person chooses"


async def test_choosing_a_dm_runs_the_walkthrough_privately(
    app: RunningApp, stub: LocalSlack
) -> None:
    where = await app.command("decide")
    await app.click(find_button(where["blocks"], text="Privately in a DM"), ephemeral=True)
    [first] = await stub.wait_for("chat.postMessage")
    check_message(first.params)
    assert first.params["channel"] == USER, "the person's DM with the app"
    assert "Question 1 of" in _text(first.params)
    [replaced] = await stub.wait_for("response_url")
    check_message(replaced.params)
    assert replaced.params["replace_original"] is True
    assert payloads.buttons(replaced.params["blocks"]) == [], "the choice cannot start a second"
    await stub.settle()
    assert [c.params["channel"] for c in stub.of("chat.postMessage")] == [USER]


async def test_choosing_the_thread_runs_it_in_the_channel(
    app: RunningApp, stub: LocalSlack
) -> None:
    where = await app.command("decide")
    await app.click(find_button(where["blocks"], text="In a thread here"), ephemeral=True)
    starter, first = await stub.wait_for("chat.postMessage", 2)
    assert starter.params["channel"] == first.params["channel"] == CHANNEL
    assert "thread_ts" not in starter.params and first.params["thread_ts"]


@pytest.mark.parametrize("start", ["command in a DM", "mention in a channel"])
async def test_decide_starts_at_once_where_the_person_already_chose(
    app: RunningApp, stub: LocalSlack, start: str
) -> None:
    if start == "command in a DM":
        assert await app.command("decide", channel=DM) == {}
        [first] = await stub.wait_for("chat.postMessage")
        assert first.params["channel"] == DM
    else:
        await app.event(payloads.mention("decide", ts="1700000100.000100"))
        starter, first = await stub.wait_for("chat.postMessage", 2)
        assert starter.params["thread_ts"] == "1700000100.000100"
    assert "Question 1 of" in _text(first.params)


async def test_the_help_card_says_which_replies_are_private_and_which_public(
    app: RunningApp,
) -> None:
    shown = _text(await app.command("help"))
    assert "Only you see my `/rolefit` replies" in shown
    assert "in a thread everyone sees" in shown
    assert "privately in a DM" in shown


async def test_a_walkthrough_refused_for_a_missing_scope_says_what_would_work(
    app: RunningApp, stub: LocalSlack
) -> None:
    stub.fail("chat.postMessage", "missing_scope")
    where = await app.command("decide")
    await app.click(find_button(where["blocks"], text="In a thread here"), ephemeral=True)
    await stub.wait_for("response_url", 2)
    [told] = [c for c in stub.of("response_url") if c.params["replace_original"] is False]
    check_message(told.params)
    assert told.params["text"] == undelivered("missing_scope")
