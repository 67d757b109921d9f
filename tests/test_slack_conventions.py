"""How RoleFit behaves where Slack users have expectations: signed requests in, Web API calls out.

Private vs public replies, errors that cannot be retried, votes on cards, the TPM note, and the
names `compare` accepts.
"""

from __future__ import annotations

import re

from bot.knowledge.loader import Knowledge
from tests.support.blockkit import all_text, check_message
from tests.support.harness import RunningApp


def _text(message: dict) -> str:
    return all_text(message.get("blocks", [])) + "\n" + message.get("text", "")


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
