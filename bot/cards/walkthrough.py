"""The hiring walkthrough in Block Kit: questions, the answered record, the result, and notes.

Every walkthrough button carries the encoded state of the message it sits on (owner, answers so
far, where it runs); the action id says what to do with it. Option buttons are told apart by the
option's index in the action id, so one message holds one value.
"""

from __future__ import annotations

from bot.cards import refs
from bot.cards.common import (
    DECIDE_ANSWER,
    DECIDE_BACK,
    DECIDE_RESTART,
    DECIDE_SHARE,
    DECIDE_START,
    Block,
    Card,
    actions,
    button,
    context,
    decide_button,
    header,
    open_button,
    section,
)
from bot.cards.mrkdwn import bullets, channel_link, user_mention
from bot.knowledge.decision import Option
from bot.walkthrough.engine import NextQuestion, Result
from bot.walkthrough.state import State, encode_state

MAX_REASONS = 5
MAX_SHARED_REASONS = 3
SCALE_STEPS = 10

_OWNS_FIRST_TITLE = {
    "pm": "What the PM would own first",
    "tpm": "What the TPM would own first",
    "both": "What each would own first",
    "pm-now-tpm-later": "What the PM would own first",
}


def _where(channel_id: str | None) -> str:
    return channel_link(channel_id) or "that channel"


# Values of the two "where" buttons on `where_card` (action DECIDE_START like any start button).
IN_THREAD, IN_MY_DM = "thread", "dm"


def where_card() -> Card:
    """`/rolefit decide` in a channel: the person picks public or private before anything shows."""
    text = "Work it out here in a thread, visible to the channel, or privately in a DM?"
    return Card(
        text=text,
        blocks=[
            section(f":compass: *Do you need a PM or a TPM?* {text}"),
            actions(
                button(
                    "In a thread here",
                    action_id=DECIDE_START,
                    value=IN_THREAD,
                    style="primary",
                    index=0,
                ),
                button("Privately in a DM", action_id=DECIDE_START, value=IN_MY_DM, index=1),
            ),
            context("Only you can see this message."),
        ],
    )


def where_chosen_card(choice: str) -> Card:
    """What the choice message becomes once a button is clicked, so it cannot start two."""
    if choice == IN_MY_DM:
        text = "Starting privately: look for RoleFit under Apps, in our direct messages."
        return Card(text=text, blocks=[context(f":envelope_with_arrow: {text}")])
    text = "Starting in a thread in this channel."
    return Card(text=text, blocks=[context(f":thread: {text}")])


def starter_card(owner: str, *, total: int) -> Card:
    """The short public line in a channel; the questions go in its thread."""
    text = f"{user_mention(owner)} is working out whether to hire a PM or a TPM"
    return Card(
        text=text,
        blocks=[
            section(f":compass: {text}."),
            context(f"{total} quick questions in the thread; only they can answer them."),
        ],
    )


def question_card(step: NextQuestion, state: State, *, note: str | None = None) -> Card:
    value = encode_state(state)
    question = step.question
    blocks: list[Block] = []
    if step.number == 1:
        blocks.append(
            section(
                ":compass: *Do you need a PM, a TPM or both?* "
                f"Answer {step.total} quick questions and I'll recommend a hire."
            )
        )
    if note:
        blocks.append(context(note))
    blocks.append(context(f"*{step.progress}*"))
    blocks.append(section(f"*{question.text}*"))
    if question.help:
        blocks.append(context(f":bulb: {question.help}"))
    blocks.append(
        actions(
            *(
                button(option.label, action_id=DECIDE_ANSWER, value=value, index=i)
                for i, option in enumerate(question.options)
            )
        )
    )
    if step.number > 1:  # on the first question there is nothing to undo
        navigation = [button("Start over", action_id=DECIDE_RESTART, value=value)]
        if step.can_go_back:
            navigation.insert(0, button(":arrow_left: Back", action_id=DECIDE_BACK, value=value))
        blocks.append(actions(*navigation))
    options = "; ".join(o.label for o in question.options)
    return Card(text=f"{step.progress}: {question.text} ({options})", blocks=blocks)


def answered_card(step: NextQuestion, option: Option) -> Card:
    """What a question message becomes once answered: a readable record, no buttons."""
    return Card(
        text=f"{step.progress}: {step.question.text} Answer: {option.label}",
        blocks=[
            context(f"*{step.progress}*"),
            section(f"*{step.question.text}*\n:white_check_mark: {option.label}"),
        ],
    )


def lean_sentence(result: Result) -> str:
    label = result.lean.label
    if label.startswith("leans "):
        return f"Your answers lean {label.removeprefix('leans ')}."
    return f"Your answers are {label}."


def lean_scale(result: Result) -> str:
    """A one-line picture of the lean: PM on the left, TPM on the right."""
    position = round((result.lean.value + 1) / 2 * SCALE_STEPS)
    cells = ["─"] * (SCALE_STEPS + 1)
    cells[max(0, min(SCALE_STEPS, position))] = "●"
    return (
        f"PM {''.join(cells)} TPM  ·  PM score {result.pm_score:g}, TPM score {result.tpm_score:g}"
    )


def _job_description_buttons(verdict_id: str) -> list[Block]:
    if verdict_id == "pm":
        return [open_button("Sample PM job description", refs.jd("pm"), index=0)]
    if verdict_id == "tpm":
        return [open_button("Sample TPM job description", refs.jd("tpm"), index=0)]
    later = " (for later)" if verdict_id == "pm-now-tpm-later" else ""
    return [
        open_button("Sample PM job description", refs.jd("pm"), index=0),
        open_button(f"Sample TPM job description{later}", refs.jd("tpm"), index=1),
    ]


def _reference_buttons(verdict_id: str) -> list[Block]:
    return [
        *_job_description_buttons(verdict_id),
        open_button("Full PM vs TPM comparison", refs.compare(), index=2),
    ]


def _program_note(result: Result) -> list[Block]:
    if result.program_manager_note is None:
        return []
    return [
        section(
            ":information_source: *A Technical Program Manager, too?*\n"
            f"{result.program_manager_note}"
        )
    ]


def _result_text(result: Result) -> str:
    text = f"{result.title}: {lean_sentence(result)} {result.summary}"
    if result.program_manager_note is not None:
        text += f"\n{result.program_manager_note}"
    return text


def result_card(result: Result, state: State, *, shareable: bool, shared: bool = False) -> Card:
    """The verdict for the person who walked through it; `shareable` when it ran in a channel."""
    value = encode_state(state)
    blocks: list[Block] = [
        header(result.title),
        section(result.summary),
        section(f"*{lean_sentence(result)}*"),
        context(lean_scale(result)),
    ]
    if result.reasons:
        blocks.append(section("*Why*\n" + bullets(result.reasons[:MAX_REASONS])))
    title = _OWNS_FIRST_TITLE.get(result.verdict_id, "What they would own first")
    blocks.append(section(f"*{title}*\n" + bullets(result.owns_first)))
    blocks.extend(_program_note(result))
    blocks.append(
        context(
            "From your answers to the hiring walkthrough: a starting point for your team's "
            "discussion, not a rule."
        )
    )
    buttons = [
        *_reference_buttons(result.verdict_id),
        button("Start over", action_id=DECIDE_RESTART, value=value),
    ]
    if shareable and not shared:
        buttons.append(
            button(
                ":mega: Share the result in the channel",
                action_id=DECIDE_SHARE,
                value=value,
                style="primary",
            )
        )
    blocks.append(actions(*buttons))
    if shared:
        blocks.append(context(":white_check_mark: Shared in the channel."))
    return Card(text=_result_text(result), blocks=blocks)


def shared_result_card(result: Result, *, owner: str) -> Card:
    """The summary posted to the channel itself, with a way for others to start their own."""
    blocks: list[Block] = [
        header(result.title),
        section(result.summary),
        section(f"*{lean_sentence(result)}*"),
    ]
    if result.reasons:
        blocks.append(section("*Why*\n" + bullets(result.reasons[:MAX_SHARED_REASONS])))
    blocks.extend(_program_note(result))
    blocks.append(context(f":mega: Shared by {user_mention(owner)} from the hiring walkthrough"))
    blocks.append(
        actions(
            *_reference_buttons(result.verdict_id),
            decide_button("Work it out for your team"),
        )
    )
    return Card(
        text=f"{user_mention(owner)} shared a hiring recommendation: {_result_text(result)}",
        blocks=blocks,
    )


def not_yours_card(owner: str) -> Card:
    text = (
        f"This walkthrough belongs to {user_mention(owner)}, so only they can answer it. "
        "You can start your own."
    )
    return Card(
        text=text,
        blocks=[
            section(f":lock: {text}"),
            actions(decide_button("Start my own walkthrough")),
        ],
    )


def out_of_date_card() -> Card:
    text = "This walkthrough is out of date, so that button no longer works. Start again?"
    return Card(
        text=text,
        blocks=[section(f":hourglass: {text}"), actions(decide_button("Start again"))],
    )


def moved_to_dm_note(channel_id: str | None) -> str:
    """Shown on the first question when the walkthrough could not run where it was asked for."""
    return (
        f":information_source: I can't post in {_where(channel_id)}, so we'll do this here. "
        "Invite me to the channel to run it there next time."
    )


STARTED_OVER_NOTE = ":arrows_counterclockwise: Started over."


def went_back_note(option_label: str) -> str:
    """Shown on the question a Back click returns to, so the earlier pick is not lost."""
    return f":leftwards_arrow_with_hook: You went back. Last time you picked *{option_label}*."


def moved_to_dm_card(channel_id: str | None) -> Card:
    text = (
        f"I can't post in {_where(channel_id)}, so I started the walkthrough in our direct "
        "messages. Look for RoleFit under Apps."
    )
    return Card(text=text, blocks=[section(f":envelope_with_arrow: {text}")])


def could_not_share_card() -> Card:
    text = "I couldn't post in the channel, so the result was not shared. Is RoleFit still in it?"
    return Card(text=text, blocks=[section(f":warning: {text}")])
