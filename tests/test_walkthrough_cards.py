"""The walkthrough's Block Kit: every question and every result is a message Slack accepts."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from bot.cards import refs
from bot.cards.common import (
    DECIDE_ANSWER,
    DECIDE_BACK,
    DECIDE_RESTART,
    DECIDE_SHARE,
    DECIDE_START,
    OPEN,
)
from bot.cards.walkthrough import (
    answered_card,
    could_not_share_card,
    lean_scale,
    moved_to_dm_card,
    moved_to_dm_note,
    not_yours_card,
    out_of_date_card,
    question_card,
    result_card,
    shared_result_card,
    starter_card,
)
from bot.knowledge.decision import (
    MAX_HELP,
    MAX_LABEL,
    MAX_NOTE,
    MAX_OPTIONS,
    MAX_OWNS_FIRST,
    MAX_OWNS_FIRST_ITEM,
    MAX_QUESTION_TEXT,
    MAX_QUESTIONS,
    MAX_REASON,
    MAX_SUMMARY,
    MAX_TITLE,
    Option,
    Question,
    Walkthrough,
    content_fingerprint,
)
from bot.knowledge.model import Knowledge
from bot.local_slack.payloads import buttons
from bot.walkthrough.engine import Lean, NextQuestion, Result, step
from bot.walkthrough.state import State, decode_state, new_state
from tests.support.blockkit import all_text, check_message
from tests.support.walkthrough_paths import TPM_BUT_MIXED, TPM_WITH_PROGRAM

OWNER = "U0ALICE01"


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["action_id"] for b in buttons(blocks)]


def paths(walkthrough: Walkthrough) -> list[tuple[str, ...]]:
    return list(itertools.product(*([o.id for o in q.options] for q in walkthrough.questions)))


def result_of(walkthrough: Walkthrough, answers: tuple[str, ...]) -> Result:
    result = step(walkthrough, answers)
    assert isinstance(result, Result)
    return result


# --- questions ----------------------------------------------------------------------------------


def test_every_question_card_is_valid_and_carries_its_state(knowledge: Knowledge) -> None:
    walkthrough = knowledge.walkthrough
    total = len(walkthrough.questions)
    first_path = tuple(q.options[-1].id for q in walkthrough.questions)
    for count in range(total):
        state = State(OWNER, first_path[:count], walkthrough.fingerprint, "c")
        shown = step(walkthrough, state.answers)
        assert isinstance(shown, NextQuestion)
        card = question_card(shown, state)
        check_message(card.message())
        text = all_text(card.blocks)
        assert f"Question {count + 1} of {total}" in text
        assert shown.question.text in text
        assert shown.question.help is None or shown.question.help in text
        labels = [o.label for o in shown.question.options]
        options = [b for b in buttons(card.blocks) if b["action_id"].startswith(DECIDE_ANSWER)]
        assert [b["text"]["text"] for b in options] == labels
        assert [b["action_id"] for b in options] == [
            f"{DECIDE_ANSWER}.{i}" for i in range(len(labels))
        ]
        navigation = [b["action_id"] for b in buttons(card.blocks) if b not in options]
        expected = [] if count == 0 else [DECIDE_BACK, DECIDE_RESTART]  # nothing to undo on Q1
        assert navigation == expected
        for found in buttons(card.blocks):
            assert decode_state(found["value"], walkthrough) == state
        assert card.text.startswith(f"Question {count + 1} of {total}: {shown.question.text}")


def test_a_question_card_shows_a_note(knowledge: Knowledge) -> None:
    walkthrough = knowledge.walkthrough
    shown = step(walkthrough, ())
    assert isinstance(shown, NextQuestion)
    note = moved_to_dm_note("C0PRIVATE1")
    card = question_card(shown, new_state(walkthrough, owner=OWNER, extra="d"), note=note)
    check_message(card.message())
    assert "I can't post in <#C0PRIVATE1>" in all_text(card.blocks)


def test_an_answered_question_keeps_the_answer_and_loses_its_buttons(
    knowledge: Knowledge,
) -> None:
    walkthrough = knowledge.walkthrough
    shown = step(walkthrough, (walkthrough.questions[0].options[0].id,))
    assert isinstance(shown, NextQuestion)
    chosen = shown.question.options[1]
    card = answered_card(shown, chosen)
    check_message(card.message())
    assert buttons(card.blocks) == []
    text = all_text(card.blocks)
    assert "Question 2 of" in text
    assert shown.question.text in text
    assert f":white_check_mark: {chosen.label}" in text
    assert chosen.label in card.text


# --- results ------------------------------------------------------------------------------------


def distinct_results(walkthrough: Walkthrough) -> dict[tuple[Any, ...], tuple[str, ...]]:
    """One answer path per kind of result card: verdict, number of reasons, note and lean."""
    found: dict[tuple[Any, ...], tuple[str, ...]] = {}
    for answers in paths(walkthrough):
        result = result_of(walkthrough, answers)
        key = (
            result.verdict_id,
            min(len(result.reasons), 5),
            result.program_manager_note is not None,
            result.lean.label,
        )
        found.setdefault(key, answers)
    return found


JD_REFS = {
    "pm": ["jd:pm"],
    "tpm": ["jd:tpm"],
    "both": ["jd:pm", "jd:tpm"],
    "pm-now-tpm-later": ["jd:pm", "jd:tpm"],
}


def test_every_result_card_is_valid_and_complete(knowledge: Knowledge) -> None:
    walkthrough = knowledge.walkthrough
    variants = distinct_results(walkthrough)
    assert {key[0] for key in variants} == set(JD_REFS)
    for answers in variants.values():
        result = result_of(walkthrough, answers)
        state = State(OWNER, answers, walkthrough.fingerprint, "c")
        card = result_card(result, state, shareable=True)
        check_message(card.message())
        assert card.blocks[0] == {
            "type": "header",
            "text": {"type": "plain_text", "text": result.title, "emoji": True},
        }
        text = all_text(card.blocks)
        assert result.summary in text
        assert all(item in text for item in result.owns_first)
        assert all(reason in text for reason in result.reasons[:5])
        assert ("Technical Program Manager" in text) == (result.program_manager_note is not None)
        opened = [b["value"] for b in buttons(card.blocks) if b["action_id"].startswith(OPEN)]
        assert opened == [*JD_REFS[result.verdict_id], refs.compare()]
        ids = action_ids(card.blocks)
        assert ids[-2:] == [DECIDE_RESTART, DECIDE_SHARE]
        for found in buttons(card.blocks):
            if found["action_id"].startswith("rolefit.decide."):
                assert decode_state(found["value"], walkthrough) == state
        assert card.text.startswith(f"{result.title}: ")


def test_the_program_manager_note_shows_only_when_a_program_option_was_chosen(
    knowledge: Knowledge,
) -> None:
    walkthrough = knowledge.walkthrough
    program_ids = {o.id for q in walkthrough.questions for o in q.options if o.program}
    assert program_ids == {"delivery"}
    for answers, shown in ((TPM_BUT_MIXED, False), (TPM_WITH_PROGRAM, True)):
        result = result_of(walkthrough, answers)
        state = State(OWNER, answers, walkthrough.fingerprint, "d")
        for card in (
            result_card(result, state, shareable=False),
            shared_result_card(result, owner=OWNER),
        ):
            check_message(card.message())
            text = all_text(card.blocks)
            assert (walkthrough.program_manager_note in text) is shown
            assert (walkthrough.program_manager_note in card.text) is shown


def test_a_result_outside_a_channel_has_no_share_button(knowledge: Knowledge) -> None:
    walkthrough = knowledge.walkthrough
    answers = tuple(q.options[0].id for q in walkthrough.questions)
    result = result_of(walkthrough, answers)
    state = State(OWNER, answers, walkthrough.fingerprint, "d")
    card = result_card(result, state, shareable=False)
    assert DECIDE_SHARE not in action_ids(card.blocks)
    assert DECIDE_RESTART in action_ids(card.blocks)


def test_a_shared_result_says_so_instead_of_offering_to_share_again(knowledge: Knowledge) -> None:
    walkthrough = knowledge.walkthrough
    answers = tuple(q.options[0].id for q in walkthrough.questions)
    result = result_of(walkthrough, answers)
    state = State(OWNER, answers, walkthrough.fingerprint, "c")
    card = result_card(result, state, shareable=True, shared=True)
    check_message(card.message())
    assert DECIDE_SHARE not in action_ids(card.blocks)
    assert "Shared in the channel" in all_text(card.blocks)


def test_the_shared_summary_credits_the_owner_and_invites_others(knowledge: Knowledge) -> None:
    walkthrough = knowledge.walkthrough
    answers = ("scaling", "systems", "platform", "migration", "many-teams", "feasibility", "mixed")
    result = result_of(walkthrough, answers)
    card = shared_result_card(result, owner=OWNER)
    check_message(card.message())
    assert card.blocks[0]["text"]["text"] == result.title
    text = all_text(card.blocks)
    assert f"Shared by <@{OWNER}>" in text
    assert result.summary in text
    ids = action_ids(card.blocks)
    assert DECIDE_START in ids
    assert not any(i in ids for i in (DECIDE_RESTART, DECIDE_SHARE))
    assert f"<@{OWNER}>" in card.text


@pytest.mark.parametrize(
    ("value", "position"),
    [(-1.0, 0), (-0.5, 2), (0.0, 5), (0.33, 7), (1.0, 10)],
)
def test_the_lean_scale_puts_the_marker_where_the_lean_is(value: float, position: int) -> None:
    result = Result(
        verdict_id="pm",
        title="t",
        summary="s",
        lean=Lean(value=value, label="x"),
        reasons=(),
        owns_first=("o",),
        program_manager_note=None,
        pm_score=3,
        tpm_score=1.5,
    )
    scale = lean_scale(result)
    cells = re.search(r"PM (\S+) TPM", scale)
    assert cells is not None
    assert len(cells.group(1)) == 11
    assert cells.group(1).index("●") == position
    assert "PM score 3, TPM score 1.5" in scale


# --- the largest content decision.yml allows still fits in a message ----------------------------


def largest_walkthrough() -> Walkthrough:
    def option(q: int, o: int) -> Option:
        return Option(
            id=f"q{q}-o{o}",
            label=("L" * (MAX_LABEL - 3)) + f"{q}{o}",
            pm=float(o),
            tpm=float(3 - o),
            reason=f"{q}{o}" + "r" * (MAX_REASON - 2),
            program=(q == 0 and o == 0),
        )

    questions = tuple(
        Question(
            id=f"q{q}",
            text="word " * (MAX_QUESTION_TEXT // 5),
            options=tuple(option(q, o) for o in range(MAX_OPTIONS)),
            help="h" * MAX_HELP,
        )
        for q in range(MAX_QUESTIONS)
    )
    return Walkthrough(
        questions=questions,
        verdicts=(),
        rules=(),
        program_manager_note="n " * (MAX_NOTE // 2),
        fingerprint=content_fingerprint(questions),
    )


def test_the_largest_allowed_content_fits_every_card() -> None:
    walkthrough = largest_walkthrough()
    answers = tuple(q.options[0].id for q in walkthrough.questions)
    state = State(OWNER, answers, walkthrough.fingerprint, "c")
    for count in range(len(walkthrough.questions)):
        partial = State(OWNER, answers[:count], walkthrough.fingerprint, "c")
        shown = NextQuestion(
            number=count + 1,
            total=len(walkthrough.questions),
            question=walkthrough.questions[count],
        )
        check_message(question_card(shown, partial, note=moved_to_dm_note("C1")).message())
        check_message(answered_card(shown, shown.question.options[-1]).message())
    result = Result(
        verdict_id="both",
        title="T" * MAX_TITLE,
        summary="s " * (MAX_SUMMARY // 2),
        lean=Lean(value=0.0, label="balanced between PM and TPM"),
        reasons=tuple(o.reason for q in walkthrough.questions for o in q.options[:1]),
        owns_first=tuple("o" * MAX_OWNS_FIRST_ITEM for _ in range(MAX_OWNS_FIRST)),
        program_manager_note=walkthrough.program_manager_note,
        pm_score=80,
        tpm_score=80,
    )
    check_message(result_card(result, state, shareable=True).message())
    check_message(result_card(result, state, shareable=True, shared=True).message())
    check_message(shared_result_card(result, owner=OWNER).message())


# --- notes --------------------------------------------------------------------------------------


def test_notes_are_valid_and_offer_a_fresh_start() -> None:
    for card in (not_yours_card(OWNER), out_of_date_card()):
        check_message(card.message())
        starts = [b for b in buttons(card.blocks) if b["action_id"] == DECIDE_START]
        assert len(starts) == 1
        assert starts[0]["value"] == "start"
    assert f"<@{OWNER}>" in not_yours_card(OWNER).text
    assert "out of date" in out_of_date_card().text


def test_the_starter_and_moved_notes_read_right() -> None:
    starter = starter_card(OWNER, total=7)
    check_message(starter.message())
    assert starter.text == f"<@{OWNER}> is working out whether to hire a PM or a TPM"
    assert buttons(starter.blocks) == []
    moved = moved_to_dm_card("C0PRIVATE1")
    check_message(moved.message())
    assert "<#C0PRIVATE1>" in moved.text
    assert "direct messages" in moved.text
    assert "that channel" in moved_to_dm_card(None).text
    check_message(could_not_share_card().message())
