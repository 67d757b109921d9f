"""Block Kit building blocks shared by every card, and the identifiers buttons carry."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bot.cards import refs
from bot.cards.mrkdwn import shorten

Block = dict[str, Any]

# Action ids. Buttons in one actions block need distinct ids, so handlers match these as prefixes.
OPEN = "rolefit.open"
OPEN_ALSO = "rolefit.also"  # like OPEN, but as an extra reply that leaves the card in place
SHARE = "rolefit.share"
HELPFUL = "rolefit.helpful"
NOT_HELPFUL = "rolefit.not_helpful"
DECIDE_START = "rolefit.decide.start"
DECIDE_ANSWER = "rolefit.decide.answer"
DECIDE_BACK = "rolefit.decide.back"
DECIDE_RESTART = "rolefit.decide.restart"
DECIDE_SHARE = "rolefit.decide.share"
ASK_PERSON = "rolefit.ask_person"
EXPERT_ANSWER = "rolefit.experts.answer"

# Shortcut callback ids, as declared in manifest.yml.
ASK_SHORTCUT = "ask_rolefit"
"""Message shortcut "Ask RoleFit": answer that message's text, privately."""
DECIDE_SHORTCUT = "decide_rolefit"
"""Global shortcut "Hire a PM or a TPM?": the hiring walkthrough, in the person's DM."""

MAX_BUTTON_TEXT = 75


class Surface(Enum):
    """Where a card will be seen: only by the asker (with a share button), or by everyone."""

    PRIVATE = "private"
    PUBLIC = "public"


@dataclass(frozen=True)
class Card:
    text: str
    blocks: list[Block] = field(default_factory=list)

    def message(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


class Fixed(dict[str, Any]):
    """A block that reads the same on every card that shows it (an entry's answer, its buttons),
    built once and shared, with its JSON encoded once: `message_json` reuses `encoded`. Being
    shared, it is never changed after it is built (no card builder changes a block it got)."""

    __slots__ = ("encoded",)

    def __init__(self, block: Block) -> None:
        super().__init__(block)
        self.encoded = json.dumps(block)


_encode = json.JSONEncoder().encode
"""`json.dumps` with its default settings, without re-reading its keyword arguments each call."""


def message_json(payload: dict[str, Any]) -> str:
    """`json.dumps(payload)`, byte for byte, with the JSON of its `Fixed` blocks reused: encoding
    an answer card's blocks anew cost as much CPU as building them."""
    blocks = payload.get("blocks")
    if not isinstance(blocks, list) or not any(type(block) is Fixed for block in blocks):
        return _encode(payload)
    fields = []
    for key, value in payload.items():
        if value is blocks:
            parts = [block.encoded if type(block) is Fixed else _encode(block) for block in blocks]
            fields.append(f"{_encode(key)}: [{', '.join(parts)}]")
        else:
            fields.append(f"{_encode(key)}: {_encode(value)}")
    return "{" + ", ".join(fields) + "}"


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": shorten(text, 150), "emoji": True},
    }


def section(text: str, *, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, 3000)}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def fields(items: list[str]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": shorten(item, 2000)} for item in items[:10]],
    }


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": shorten(t, 3000)} for t in texts[:10]],
    }


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, *, action_id: str, value: str, style: str | None = None, index: int | None = None
) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id if index is None else f"{action_id}.{index}",
        "value": value,
    }
    if style is not None:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:25])}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def open_button(text: str, ref: str, *, index: int, style: str | None = None) -> Block:
    """A button that shows another card, named by its reference (see ``bot.cards.refs``)."""
    return button(text, action_id=OPEN, value=ref, index=index, style=style)


def decide_button(text: str = "Help me decide") -> Block:
    return button(text, action_id=DECIDE_START, value="start", style="primary")


def ways_on(more: str, more_ref: str, *, decide: str = "Help me decide") -> Block:
    """The row under the help and greeting cards: decide, compare PM vs TPM, and one more card."""
    return actions(
        decide_button(decide),
        open_button("Compare PM vs TPM", refs.compare(), index=0),
        open_button(more, more_ref, index=1),
    )
