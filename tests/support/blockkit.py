"""Checks every message and view against slack_sdk's models and Slack's documented limits."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_CHARS = 12_000


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        for value in node.values():
            if isinstance(value, dict | list):
                found.extend(_texts(value))
        return found
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def all_text(node: Any) -> str:
    """Every text in a message, view or block tree, one per line, for content assertions."""
    return "\n".join(_texts(node))


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"unknown block type: {block.get('type')}"
        parsed.to_dict()
        if block["type"] == "section":
            for item in block.get("fields", []):
                assert len(item["text"]) <= 2000, "section field over 2000 chars"
        if block["type"] == "table":
            assert len(block["rows"]) <= 100
            assert all(0 < len(row) <= 20 for row in block["rows"])
        if block["type"] == "actions":
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids)), f"duplicate action ids in a block: {ids}"
    tables = [b for b in blocks if b["type"] == "table"]
    assert len(tables) <= 1, "Slack allows one table per message"


def check_message(message: dict[str, Any]) -> None:
    """A message Slack would accept: valid blocks, within limits, with a text fallback."""
    text = message.get("text")
    assert isinstance(text, str) and text.strip(), "message without a text fallback"
    assert len(text) <= 40_000
    blocks = message.get("blocks") or []
    assert len(blocks) <= MAX_MESSAGE_BLOCKS, f"{len(blocks)} blocks"
    check_blocks(blocks)
    assert sum(len(t) for t in _texts(blocks)) <= MAX_MESSAGE_CHARS, "message text too long"


def check_view(view: dict[str, Any]) -> None:
    View(**view).to_dict()
    blocks = view.get("blocks") or []
    assert len(blocks) <= MAX_VIEW_BLOCKS
    assert not any(b["type"] == "table" for b in blocks), "tables are for messages only"
    check_blocks(blocks)
