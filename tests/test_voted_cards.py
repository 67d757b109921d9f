"""A vote on a private answer redraws the card the person saw, not just its entry.

Slack sends no blocks with a click on an ephemeral message, so the vote buttons carry what the
card showed besides its entry (bot.cards.refs.Shown): the question, the notes and the other
questions of the message. These tests click them through signed requests, and check the value
they carry: round trip, limits, and values that are old, cut or forged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cards import refs
from bot.cards.answer import AnswerBlocks, answer_card
from bot.cards.common import HELPFUL, NOT_HELPFUL, SHARE, Surface
from bot.cards.mrkdwn import quote_user_text
from bot.cards.refs import MAX_ALSO, MAX_ASKED, MAX_VALUE, Shown, parse_shown, short_question
from bot.cards.replies import RoleFit
from bot.feedback.records import Vote
from bot.feedback.store import SqliteStore
from bot.knowledge.loader import MAX_FAQ_ID
from bot.knowledge.model import Knowledge
from bot.local_slack.payloads import buttons, find_button
from bot.local_slack.standin import LocalSlack
from handlers.messages import THANKS_HELPFUL, THANKS_NOT_HELPFUL
from tests.conftest import Start
from tests.support.blockkit import all_text, check_message
from tests.support.harness import RunningApp

# `&lt;` is how Slack sends a typed "<": the question reaches the bot as "<!channel> <@U…>".
HOSTILE = "&lt;!channel&gt; &lt;@U0123ABC&gt; "
MANY = "Do startups need a TPM? Also, what KPIs does a tpm own? And what skills does a TPM need?"
NOTE = "Here *TPM* means Technical _Product_ Manager"
YOU_FOUND = "You found this"


def _feedback_at(blocks: list[dict[str, Any]]) -> int:
    return next(
        i for i, b in enumerate(blocks) if str(b.get("block_id", "")).startswith("feedback.")
    )


def _around_votes(blocks: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """The blocks before and after the votes: on a voted card, before the "You found this" line
    and after the row with the change button (and no "Ask a person" offer in these tests)."""
    at = _feedback_at(blocks)
    before = blocks[:at]
    if before and YOU_FOUND in all_text(before[-1]):
        before = before[:-1]
    return before, blocks[at + 1 :]


def _vote_values(blocks: list[dict[str, Any]]) -> set[str]:
    return {
        b["value"] for b in buttons(blocks) if b["action_id"].startswith((HELPFUL, NOT_HELPFUL))
    }


async def _votes(app: RunningApp) -> list[Vote]:
    feedback = app.services.feedback
    assert feedback is not None
    assert await asyncio.to_thread(feedback.flush)
    store = SqliteStore.open(feedback.name)
    try:
        return store.votes()
    finally:
        store.close()


# --- through Slack ------------------------------------------------------------------------------


async def test_a_vote_keeps_the_question_the_other_questions_and_the_tpm_note(
    start: Start, stub: LocalSlack, knowledge: Knowledge
) -> None:
    app = await start()
    answer = await app.command(HOSTILE + MANY)
    check_message(answer)
    asked_line = next(b for b in answer["blocks"] if "You asked" in all_text(b))
    also = [b for b in buttons(answer["blocks"]) if b["block_id"] == "also_asked"]
    assert len(also) == 2 and NOTE in all_text(answer["blocks"]), "the scenario needs both"
    assert "&lt;!channel&gt; &lt;@U0123ABC&gt;" in all_text(asked_line)
    [value] = _vote_values(answer["blocks"])
    entry_id = parse_shown(value).entry_id
    assert entry_id in knowledge.by_id and value != entry_id

    await app.click(find_button(answer["blocks"], action_prefix=HELPFUL), ephemeral=True)
    [voted] = await stub.wait_for("response_url")
    check_message(voted.params)
    assert (voted.params["replace_original"], voted.params["response_type"]) == (True, "ephemeral")
    blocks = voted.params["blocks"]
    assert asked_line in blocks, "the question is still quoted, escaped"
    assert [b for b in buttons(blocks) if b["block_id"] == "also_asked"] == also
    assert NOTE in all_text(blocks)
    assert "You found this helpful" in all_text(blocks)
    assert _around_votes(blocks) == _around_votes(answer["blocks"]), "nothing else changed"
    assert find_button(blocks, action_prefix=SHARE)
    change = find_button(blocks, text="Change to not helpful")
    assert change["value"] == value, "the change button carries the same reference"

    await app.click(change, ephemeral=True)
    second = (await stub.wait_for("response_url", 2))[1]
    check_message(second.params)
    again = second.params["blocks"]
    assert "You found this not helpful" in all_text(again)
    assert asked_line in again and NOTE in all_text(again)
    assert [b for b in buttons(again) if b["block_id"] == "also_asked"] == also
    assert _around_votes(again) == _around_votes(answer["blocks"])
    assert find_button(again, text="Change to helpful")["value"] == value

    for message in (answer, voted.params, second.params):
        shown = all_text(message["blocks"]) + message["text"]
        assert "<!channel>" not in shown and "<@U0123ABC>" not in shown
    assert [(v.answer_id, v.helpful) for v in await _votes(app)] == [(entry_id, False)]


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        (
            "Which kpis does a tpm own? " + "We are a team of engineers and we ship. " * 120,
            ("That was a long question", NOTE),
        ),
        (MANY + " Should we hire a PM or a TPM first?", ("Not sure which role", "You also asked")),
    ],
    ids=["long question", "which to hire"],
)
async def test_a_vote_keeps_the_long_question_note_and_the_walkthrough_offer(
    app: RunningApp, stub: LocalSlack, question: str, kept: tuple[str, ...]
) -> None:
    answer = await app.command(question)
    assert all(text in all_text(answer["blocks"]) for text in kept), "the scenario needs them"
    await app.click(find_button(answer["blocks"], action_prefix=NOT_HELPFUL), ephemeral=True)
    [voted] = await stub.wait_for("response_url")
    check_message(voted.params)
    assert "You found this not helpful" in all_text(voted.params["blocks"])
    assert _around_votes(voted.params["blocks"]) == _around_votes(answer["blocks"])


async def test_an_old_button_with_just_the_entry_id_still_works(
    start: Start, stub: LocalSlack, rolefit: RoleFit, knowledge: Knowledge
) -> None:
    app = await start()
    entry = knowledge.entries[0]
    old = {"action_id": HELPFUL, "value": entry.id}
    await app.click(old, ephemeral=True)
    [voted] = await stub.wait_for("response_url")
    check_message(voted.params)
    plain = rolefit.render(refs.entry(entry.id), surface=Surface.PRIVATE)
    assert plain is not None
    assert _around_votes(voted.params["blocks"]) == _around_votes(plain.blocks), "as before"
    assert "You found this helpful" in all_text(voted.params["blocks"])
    assert find_button(voted.params["blocks"], text="Change to not helpful")["value"] == entry.id
    assert [(v.answer_id, v.helpful) for v in await _votes(app)] == [(entry.id, True)]


_ENTRY = "what-is-a-tpm"


@pytest.mark.parametrize(
    ("value", "recorded"),
    [
        (f"a1:{_ENTRY}:zz:tpm-kpis:what is a tpm", _ENTRY),
        (f"a1:{_ENTRY}:t:a,b,c,d:what is a tpm", _ENTRY),
        (f"a1:{_ENTRY}:t:Not An Id:what", _ENTRY),
        (f"a1:{_ENTRY}:t:tpm-kpis:" + "q" * (MAX_ASKED + 1), _ENTRY),
        (f"a1:{_ENTRY}:t", _ENTRY),
        (f"a1:{_ENTRY}", _ENTRY),
        (f"a1:{_ENTRY}:t:no-such-entry,tpm-kpis:what is a tpm", _ENTRY),
        (f"a1:{_ENTRY}:::<!channel> <@U0123ABC> <https://evil.example|click>", _ENTRY),
    ],
)
async def test_a_forged_or_cut_value_redraws_the_answer_politely(
    start: Start,
    stub: LocalSlack,
    caplog: pytest.LogCaptureFixture,
    value: str,
    recorded: str,
) -> None:
    app = await start()
    with caplog.at_level(logging.WARNING):
        assert await app.click({"action_id": HELPFUL, "value": value}, ephemeral=True) == 200
        [voted] = await stub.wait_for("response_url")
    check_message(voted.params)
    text = all_text(voted.params["blocks"])
    assert voted.params["replace_original"] is True
    assert "You found this helpful" in text
    asked = parse_shown(value).question
    if asked is not None:
        assert f"You asked {quote_user_text(asked)}" in text
    for raw in ("<!channel>", "<@U0123ABC>", "<https://evil"):
        assert raw not in text + voted.params["text"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [v.answer_id for v in await _votes(app)] == [recorded]


@pytest.mark.parametrize(
    "value",
    [
        "no-such-entry",
        "a1:no-such-entry:t::what",
        "a1:Not An Id:t::x",
        "a1:",
        "<!channel>",
        "x" * 2000,
    ],
)
async def test_a_value_naming_no_entry_gets_a_private_thanks(
    app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    with caplog.at_level(logging.WARNING):
        for action, thanks in ((HELPFUL, THANKS_HELPFUL), (NOT_HELPFUL, THANKS_NOT_HELPFUL)):
            assert await app.click({"action_id": action, "value": value}, ephemeral=True) == 200
            said = (await stub.wait_for("response_url", 1 + (action == NOT_HELPFUL)))[-1]
            check_message(said.params)
            assert said.params["replace_original"] is False
            assert said.params["text"] == thanks
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not any("<!channel>" in all_text(c.params) for c in stub.posts())


# --- the value ----------------------------------------------------------------------------------


def test_a_card_that_showed_nothing_more_carries_just_its_entry_id() -> None:
    assert Shown("tpm-kpis").value() == "tpm-kpis"
    assert parse_shown("tpm-kpis") == Shown("tpm-kpis")


@pytest.mark.parametrize(
    "shown",
    [
        Shown("tpm-kpis", question="what: kpis, a tpm: owns?"),
        Shown("tpm-kpis", bare_tpm=True),
        Shown("tpm-kpis", truncated=True, offer_decide=True, also_asked=("a", "b-c", "d1")),
        Shown("a" * MAX_FAQ_ID, question="ü" * MAX_ASKED, bare_tpm=True, also_asked=("x",)),
        Shown("tpm-kpis", question="<!channel> `x` & <@U0123ABC>"),
    ],
)
def test_a_value_reads_back_as_what_the_card_showed(shown: Shown) -> None:
    value = shown.value()
    assert value.startswith("a1:")
    assert parse_shown(value) == shown
    assert parse_shown(value).value() == value


def test_the_longest_value_stays_far_below_slacks_limit() -> None:
    """Worst case: the longest ids, three other questions and 300 characters of four-byte text
    (UTF-8 bytes and UTF-16 units counted too, whichever way Slack counts)."""
    longest = Shown(
        "a" * MAX_FAQ_ID,
        question="\U0001f600" * MAX_ASKED,
        bare_tpm=True,
        truncated=True,
        offer_decide=True,
        also_asked=tuple(c * MAX_FAQ_ID for c in "bcd"),
    )
    value = longest.value()
    assert parse_shown(value) == longest
    assert len(value) == 3 + MAX_FAQ_ID + 1 + 3 + 1 + (3 * MAX_FAQ_ID + 2) + 1 + MAX_ASKED == 567
    assert len(value.encode()) <= 1500 and len(value.encode("utf-16-le")) // 2 <= 900
    assert len(value.encode()) < MAX_VALUE


def test_what_cannot_be_read_back_is_written_as_the_entry_id() -> None:
    assert Shown("tpm-kpis", question="q" * (MAX_ASKED + 1)).value() == "tpm-kpis"
    assert Shown("tpm-kpis", also_asked=("a", "b", "c", "d")).value() == "tpm-kpis"
    assert Shown("tpm-kpis", also_asked=("Bad Id",)).value() == "tpm-kpis"
    assert Shown("tpm-kpis", question="").value() == "tpm-kpis"


@pytest.mark.parametrize(
    "value",
    [
        "a1:tpm-kpis:tt::q",
        "a1:tpm-kpis:dt::q",
        "a1:tpm-kpis:x::q",
        "a1:tpm-kpis:t:a,,b:q",
        "a1:tpm-kpis:t:" + ",".join("abcd") + ":q",
        "a1:tpm-kpis:t:" + "b" * (MAX_FAQ_ID + 1) + ":q",
        "a1:tpm-kpis:t::" + "q" * (MAX_ASKED + 1),
        "a1:tpm-kpis:t:",
        "a1:tpm-kpis",
        "a1:tpm-kpis:t::" + "q" * 10 + ":" * (MAX_VALUE - 20),
    ],
)
def test_a_malformed_value_keeps_only_its_entry(value: str) -> None:
    assert parse_shown(value) == Shown("tpm-kpis")


@pytest.mark.parametrize(
    "value",
    ["", "a1:", "a1::t::q", "a1:Bad Id:t::q", "a1:" + "a" * (MAX_FAQ_ID + 1) + ":::q", "a2:x:::"],
)
def test_a_value_without_a_readable_entry_is_taken_as_an_id_as_before(value: str) -> None:
    assert parse_shown(value) == Shown(value)


@given(st.text(max_size=3000))
def test_any_value_parses_without_failing(value: str) -> None:
    shown = parse_shown(value)
    assert shown.entry_id == value or shown.entry_id in value
    assert shown.question is None or len(shown.question) <= MAX_ASKED
    assert len(shown.also_asked) <= MAX_ALSO


@given(st.text(max_size=5000))
def test_the_kept_question_is_quoted_exactly_like_the_whole_one(text: str) -> None:
    short = short_question(text)
    assert len(short) <= MAX_ASKED
    assert quote_user_text(short) == quote_user_text(text)
    if short:
        assert parse_shown(Shown("tpm-kpis", question=short).value()).question == short


def test_kept_blocks_are_never_changed_by_a_cards_value(knowledge: Knowledge) -> None:
    """The vote buttons of a card with more to carry are copies; the kept block stays shared."""
    kept = AnswerBlocks(knowledge)
    entry = knowledge.entries[0]
    fixed = kept.of(entry).feedback
    card = answer_card(
        entry, knowledge=knowledge, surface=Surface.PRIVATE, question="what?", kept=kept
    )
    assert fixed[Surface.PRIVATE] not in card.blocks
    assert _vote_values(card.blocks) == {Shown(entry.id, question="what?").value()}
    assert _vote_values([fixed[Surface.PRIVATE]]) == {entry.id}
    public = answer_card(
        entry, knowledge=knowledge, surface=Surface.PUBLIC, question="what?", kept=kept
    )
    assert public.blocks[_feedback_at(public.blocks)] is fixed[Surface.PUBLIC]
    plain = answer_card(entry, knowledge=knowledge, surface=Surface.PRIVATE, kept=kept)
    assert plain.blocks[_feedback_at(plain.blocks)] is fixed[Surface.PRIVATE]
