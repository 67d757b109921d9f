"""The help card and the App Home tab: what RoleFit does and how to ask."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.cards import common as ui
from bot.cards import refs
from bot.cards.common import Block, Card
from bot.cards.topics import TOPIC_LABELS, topic_buttons

COMMANDS: tuple[tuple[str, str], ...] = (
    (
        "/rolefit <question>",
        "Ask anything about PMs and TPMs, e.g. `/rolefit who earns more, pm or tpm?`",
    ),
    ("/rolefit compare", "PM vs TPM side by side in eight areas"),
    (
        "/rolefit compare <area>",
        "One area in depth, e.g. `/rolefit compare kpis`, `/rolefit compare skills`",
    ),
    (
        "/rolefit pm  ·  /rolefit tpm",
        "Role profiles: focus, responsibilities, skills, KPIs, deliverables",
    ),
    ("/rolefit jd pm  ·  /rolefit jd tpm", "Sample job descriptions"),
    (
        "/rolefit decide",
        "A few questions, then a recommendation: PM, TPM or both. In a channel I ask first: "
        "in a thread everyone sees, or privately in a DM",
    ),
    ("/rolefit topics", "Browse everything I know by topic"),
    ("/rolefit help", "This card"),
)
EXAMPLES: tuple[str, ...] = (
    "what does a technical product manager do?",
    "do startups need a tpm?",
    "how are pm and tpm measured?",
    "can a pm become a tpm?",
)


def help_card(*, areas: Sequence[str] = ()) -> Card:
    """Every command; `areas` (bot.cards.compare.area_names) lists what `compare` accepts."""
    lines = "\n".join(f"`{cmd}`  {what}" for cmd, what in COMMANDS)
    if areas:
        lines += "\nAreas: " + ", ".join(f"`{a}`" for a in areas)
    blocks: list[Block] = [
        ui.header("RoleFit: do you need a PM or a TPM?"),
        ui.section(
            "I answer questions about *Product Managers* and *Technical Product Managers* "
            "and can walk you through the hiring decision."
        ),
        ui.section(lines),
        ui.context(
            ":lock: Only you see my `/rolefit` replies; *Share in channel* shows one to everyone."
        ),
        ui.context(
            ":speech_balloon: Also: mention me in a channel (`@RoleFit <question>`) and I answer "
            "in a thread everyone sees (`@RoleFit decide` too), or send me a DM."
        ),
        ui.ways_on("Browse topics", refs.TOPICS),
    ]
    text = "RoleFit help: " + "; ".join(cmd for cmd, _ in COMMANDS)
    return Card(text=text, blocks=blocks)


def short_help_card() -> Card:
    blocks: list[Block] = [
        ui.section(
            ":wave: Ask me about Product Managers vs Technical Product Managers, e.g. "
            "`@RoleFit do startups need a tpm?`, or say `decide` and I'll walk you through "
            "the hiring decision."
        ),
        ui.ways_on("All commands", refs.HELP),
    ]
    return Card(text="Ask me about PMs vs TPMs, or say `decide`.", blocks=blocks)


def home_view(*, topics: list[str], extra_blocks: list[Block] | None = None) -> dict[str, Any]:
    """The App Home tab; `extra_blocks` lets other features add a section without editing this."""
    present = [t for t in TOPIC_LABELS if t in topics]
    blocks: list[Block] = [
        ui.header("RoleFit: PM or TPM?"),
        ui.section(
            "I help teams decide whether they need a *Product Manager*, a *Technical Product "
            "Manager*, or both. Ask me anything, compare the roles, or let me walk you through "
            "the hiring decision."
        ),
        ui.actions(
            ui.decide_button("Start the hiring walkthrough"),
            ui.open_button("Compare PM vs TPM", refs.compare(), index=0),
            ui.open_button("PM profile", refs.profile("pm"), index=1),
            ui.open_button("TPM profile", refs.profile("tpm"), index=2),
        ),
        ui.divider(),
        ui.section(
            "*Try asking*\n"
            + "\n".join(f"• `/rolefit {q}`" for q in EXAMPLES)
            + "\nor mention me in a channel, or message me here in the Messages tab."
        ),
        ui.divider(),
        ui.section("*Browse by topic*"),
        *topic_buttons(present),
        ui.context("Answers open in your DM with me."),
    ]
    if extra_blocks:
        blocks.extend([ui.divider(), *extra_blocks])
    return {"type": "home", "blocks": blocks[:100]}
