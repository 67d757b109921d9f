"""Ask a person: the button, the experts-channel message, the answer modal and the answer itself.

What a question needs to travel (who asked, where to answer them, their words) rides in button
values and the modal's private_metadata, like the walkthrough's state, so any process can take
the next step and nothing is kept between clicks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from bot.cards.common import (
    ASK_PERSON,
    EXPERT_ANSWER,
    Block,
    Card,
    actions,
    button,
    context,
    header,
    section,
)
from bot.cards.mrkdwn import escape, quote_user_text, shorten
from bot.cards.topics import TOPIC_LABELS
from bot.knowledge.loader import MAX_ANSWER, MAX_TITLE

ANSWER_VIEW = "rolefit.experts.answer"
"""The answer modal's callback id."""
QUESTION_BLOCK, TOPIC_BLOCK, ANSWER_BLOCK = "question", "topic", "answer"
INPUT = "value"
MAX_VALUE = 2000
MAX_METADATA = 3000
MAX_ASKED = 1000
MAX_ANSWERERS = 10

Where = Literal["mention", "dm", "command"]
_ID = re.compile(r"[A-Z0-9]{2,40}")


def ask_value(question: str) -> str:
    """The "Ask a person" value for a question RoleFit could not answer."""
    return "q:" + question.strip()[:MAX_ASKED]


def entry_value(entry_id: str) -> str:
    """The "Ask a person" value after a "Not helpful" vote on an answer."""
    return "e:" + entry_id


def ask_button(value: str) -> Block:
    return button(":raising_hand: Ask a person", action_id=ASK_PERSON, value=value)


def ask_block(value: str) -> Block:
    return actions(ask_button(value), block_id="ask_person")


@dataclass(frozen=True)
class Asked:
    """A question on its way to a person: who asked, where to answer, in their words (redacted).

    `where` is "mention" (answer in `thread_ts` of `channel`), "dm" (in the DM `channel`) or
    "command" (privately, in the asker's DM with the app). `answered_by` lists the experts so far;
    `message` ("channel ts") is the experts-channel message, carried by the modal only.
    """

    user: str
    where: Where
    channel: str
    thread_ts: str | None
    text: str
    asker_name: str = ""
    answered_by: tuple[str, ...] = ()
    message: str = ""

    def encode(self, *, limit: int = MAX_VALUE) -> str:
        """Compact JSON under `limit` characters: the question is cut, never the routing."""
        data = asdict(self)
        data["answered_by"] = list(self.answered_by[-MAX_ANSWERERS:])
        text = self.text
        while True:
            data["text"] = text
            encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            if len(encoded) <= limit or not text:
                return encoded
            text = text[: max(0, len(text) - (len(encoded) - limit) - 1)]

    def answered(self, name: str) -> Asked:
        return replace(self, answered_by=(*self.answered_by, name))


def decode_asked(value: str) -> Asked | None:
    """The question a button or modal carries, or None when it is not one of ours."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    user, where, channel = data.get("user"), data.get("where"), data.get("channel")
    thread, text, answered = data.get("thread_ts"), data.get("text"), data.get("answered_by", [])
    name, message = data.get("asker_name", ""), data.get("message", "")
    if not (isinstance(user, str) and _ID.fullmatch(user)):
        return None
    if not (isinstance(channel, str) and _ID.fullmatch(channel)):
        return None
    if where not in ("mention", "dm", "command") or not isinstance(text, str):
        return None
    if thread is not None and not isinstance(thread, str):
        return None
    if not isinstance(answered, list) or not all(isinstance(a, str) for a in answered):
        return None
    if not (isinstance(name, str) and isinstance(message, str)):
        return None
    return Asked(user, where, channel, thread, text, name, tuple(answered), message)


def where_label(asked: Asked) -> str:
    """Where the question was asked, without a permalink: a DM, the command, or the channel."""
    if asked.where == "dm":
        return "in a DM with RoleFit"
    place = f"<#{asked.channel}>" if asked.channel[:1] in {"C", "G"} else "a DM"
    if asked.where == "command":
        return f"with `/rolefit` in {place}"
    return f"by mentioning RoleFit in {place}"


def _quote(text: str) -> str:
    """User text as a block quote: escaped, so it cannot mention, broadcast or link."""
    lines = escape(shorten(text, 2500)).splitlines() or [""]
    return "\n".join(f"&gt; {line}" for line in lines)


def _answered_line(names: Sequence[str]) -> Block:
    who = ", ".join(f"*{escape(n)}*" for n in names)
    return context(f":white_check_mark: Answered by {who}. Another answer is still welcome.")


def experts_card(asked: Asked, *, note: str | None = None) -> Card:
    """The message in the experts channel; updated to say who answered."""
    asker_name = asked.asker_name or "someone"
    blocks: list[Block] = [
        header("A question RoleFit could not answer"),
        section(_quote(asked.text)),
        context(f"Asked by *{escape(asker_name)}* {where_label(asked)}"),
    ]
    if note:
        blocks.append(context(note))
    if asked.answered_by:
        blocks.append(_answered_line(asked.answered_by))
    blocks.append(
        actions(
            button("Answer", action_id=EXPERT_ANSWER, value=asked.encode(), style="primary"),
            block_id="experts.answer",
        )
    )
    text = escape(f"A question for the experts from {asker_name}: {shorten(asked.text, 300)}")
    return Card(text=text, blocks=blocks)


def passed_on_card(channel: str) -> Card:
    text = (
        f":raising_hand: I passed your question on to the people who know, in <#{channel}>. "
        "Their answer will come to you here."
    )
    return Card(text=text, blocks=[section(text)])


def answer_modal(asked: Asked, *, topics: Sequence[str]) -> dict[str, Any]:
    """The modal an expert answers in: the question (editable), a topic, and the answer."""
    blocks: list[Block] = [
        section(f"*{escape(asked.asker_name or 'Someone')}* asked {where_label(asked)}:"),
        section(_quote(asked.text)),
    ]
    if asked.answered_by:
        blocks.append(_answered_line(asked.answered_by))
    blocks += [
        {
            "type": "input",
            "block_id": QUESTION_BLOCK,
            "label": {"type": "plain_text", "text": "Question"},
            "hint": {
                "type": "plain_text",
                "text": "Reword it so it helps the next person who asks something similar.",
            },
            "element": {
                "type": "plain_text_input",
                "action_id": INPUT,
                "initial_value": shorten(" ".join(asked.text.split()), MAX_TITLE),
                "max_length": MAX_TITLE,
            },
        },
        {
            "type": "input",
            "block_id": TOPIC_BLOCK,
            "label": {"type": "plain_text", "text": "Topic"},
            "element": {
                "type": "static_select",
                "action_id": INPUT,
                "placeholder": {"type": "plain_text", "text": "Pick the closest topic"},
                "options": [_option(t) for t in topics[:100]],
            },
        },
        {
            "type": "input",
            "block_id": ANSWER_BLOCK,
            "label": {"type": "plain_text", "text": "Answer"},
            "element": {
                "type": "plain_text_input",
                "action_id": INPUT,
                "multiline": True,
                "max_length": MAX_ANSWER,
            },
        },
        context(
            ":pencil: Your answer goes to the person who asked, credited to you, and is kept as a "
            "draft for the knowledge keepers to review."
        ),
    ]
    return {
        "type": "modal",
        "callback_id": ANSWER_VIEW,
        "title": {"type": "plain_text", "text": "Answer a question"},
        "submit": {"type": "plain_text", "text": "Send answer"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": asked.encode(limit=MAX_METADATA),
        "blocks": blocks,
    }


def _option(topic: str) -> dict[str, Any]:
    return {
        "text": {"type": "plain_text", "text": shorten(TOPIC_LABELS.get(topic, topic), 75)},
        "value": topic,
    }


@dataclass(frozen=True)
class Submitted:
    """A valid answer from the modal."""

    question: str
    topic: str
    answer: str


def read_submission(
    state: Mapping[str, Any], *, topics: Sequence[str]
) -> tuple[Submitted | None, dict[str, str]]:
    """The modal's fields, or the errors to show on them (Slack's `response_action: errors`)."""
    values = state.get("values") if isinstance(state, Mapping) else None
    values = values if isinstance(values, Mapping) else {}

    def field(block: str) -> Mapping[str, Any]:
        found = values.get(block)
        found = found.get(INPUT) if isinstance(found, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    def text(block: str) -> str:
        raw = field(block).get("value")
        return raw.strip() if isinstance(raw, str) else ""

    question, answer = " ".join(text(QUESTION_BLOCK).split()), text(ANSWER_BLOCK)
    selected = field(TOPIC_BLOCK).get("selected_option")
    topic = selected.get("value") if isinstance(selected, Mapping) else None
    errors: dict[str, str] = {}
    for block, value, limit, name in (
        (QUESTION_BLOCK, question, MAX_TITLE, "question"),
        (ANSWER_BLOCK, answer, MAX_ANSWER, "answer"),
    ):
        if not value:
            errors[block] = f"Please write the {name}."
        elif len(value) > limit:
            errors[block] = f"Please keep the {name} to {limit} characters (it has {len(value)})."
    if topic not in topics:
        errors[TOPIC_BLOCK] = "Please pick a topic from the list."
    if errors:
        return None, errors
    assert isinstance(topic, str)
    return Submitted(question=question, topic=topic, answer=answer), {}


def delivered_card(asked: Asked, submitted: Submitted, *, expert_name: str) -> Card:
    """The answer as the asker sees it: their question, the expert's words, and who wrote them."""
    blocks: list[Block] = [
        section(f":raising_hand: *A person answered your question* {quote_user_text(asked.text)}"),
        section(escape(submitted.answer)),
        context(
            f"Answered by *{escape(expert_name)}* · from a person, not yet part of RoleFit's "
            "reviewed knowledge"
        ),
    ]
    text = escape(f"{expert_name} answered your question: {shorten(submitted.answer, 2000)}")
    return Card(text=text, blocks=blocks)


def experts_note(error: str) -> str:
    return f":warning: The answer could not be delivered to the asker ({escape(error)})."
