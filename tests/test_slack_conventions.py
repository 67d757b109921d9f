"""How RoleFit behaves where Slack users have expectations: signed requests in, Web API calls out.

Private vs public replies, errors that cannot be retried, votes on cards, the TPM note, and the
names `compare` accepts.
"""

from __future__ import annotations

import re

from bot.knowledge.loader import Knowledge
from tests.support.blockkit import all_text, check_message
from tests.support.harness import RunningApp
from tests.support.payloads import find_button
from tests.support.slack_stub import SlackStub


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
    app: RunningApp, stub: SlackStub, knowledge: Knowledge
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
