"""PM vs TPM side by side (a table block), and one area in depth."""

from __future__ import annotations

from bot.cards import common as ui
from bot.cards import refs
from bot.cards.answer import share_button, shared_by_line
from bot.cards.common import Block, Card, Surface
from bot.cards.mrkdwn import quote_user_text
from bot.knowledge.model import ComparisonArea, Knowledge


def _cell(text: str) -> Block:
    return {"type": "raw_text", "text": text}


def _area_buttons(knowledge: Knowledge, *, skip: str | None = None) -> list[Block]:
    areas = [a for a in knowledge.areas if a.id != skip]
    rows: list[Block] = []
    for start in range(0, len(areas), 5):
        rows.append(
            ui.actions(
                *(
                    ui.open_button(a.name, refs.compare(a.id), index=start + i)
                    for i, a in enumerate(areas[start : start + 5])
                )
            )
        )
    return rows


def _footer(ref: str, surface: Surface, shared_by: str | None) -> list[Block]:
    blocks: list[Block] = []
    if shared_by is not None:
        blocks.append(shared_by_line(shared_by))
    if surface is Surface.PRIVATE:
        blocks.append(ui.actions(share_button(ref), ui.decide_button()))
    else:
        blocks.append(ui.actions(ui.decide_button()))
    return blocks


def compare_card(knowledge: Knowledge, *, surface: Surface, shared_by: str | None = None) -> Card:
    pm, tpm = knowledge.roles["pm"], knowledge.roles["tpm"]
    rows = [
        [_cell("Area"), _cell(f"{pm.name} ({pm.acronym})"), _cell(f"{tpm.name} ({tpm.acronym})")]
    ]
    rows.extend([_cell(a.name), _cell(a.pm), _cell(a.tpm)] for a in knowledge.snapshot)
    table: Block = {
        "type": "table",
        "column_settings": [{"is_wrapped": True}, {"is_wrapped": True}, {"is_wrapped": True}],
        "rows": rows,
    }
    blocks: list[Block] = [
        ui.header("PM vs TPM, side by side"),
        ui.section(
            "A *Product Manager* owns the outcome: customer value, business impact, the roadmap. "
            "A *Technical Product Manager* owns technical feasibility and execution depth. "
            "Here is how that plays out in eight areas."
        ),
        table,
        ui.context("Pick an area for the details:"),
        *_area_buttons(knowledge),
        *_footer(refs.compare(), surface, shared_by),
    ]
    text = "PM vs TPM, side by side:\n" + "\n".join(
        f"{a.name}: PM: {a.pm} | TPM: {a.tpm}" for a in knowledge.snapshot
    )
    return Card(text=text, blocks=blocks)


def area_card(
    area: ComparisonArea,
    *,
    knowledge: Knowledge,
    surface: Surface,
    shared_by: str | None = None,
) -> Card:
    blocks: list[Block] = [
        ui.header(f"PM vs TPM: {area.name}"),
        ui.fields([f"*Product Manager*\n{area.pm}", f"*Technical Product Manager*\n{area.tpm}"]),
        ui.section(area.detail),
    ]
    related = [knowledge.by_id[i] for i in area.faq if i in knowledge.by_id][:5]
    if related:
        blocks.append(
            ui.actions(
                *(
                    ui.open_button(e.question, refs.entry(e.id), index=i)
                    for i, e in enumerate(related)
                )
            )
        )
    blocks.append(ui.context("Other areas:"))
    blocks.extend(_area_buttons(knowledge, skip=area.id))
    blocks.append(ui.actions(ui.open_button("Full comparison", refs.compare(), index=0)))
    blocks.extend(_footer(refs.compare(area.id), surface, shared_by))
    text = f"PM vs TPM, {area.name}. PM: {area.pm}. TPM: {area.tpm}."
    return Card(text=text, blocks=blocks)


def area_names(knowledge: Knowledge) -> list[str]:
    """What people type after `compare`: each area's own name, as the help card lists them."""
    return [area.name.lower() for area in knowledge.areas]


def unknown_area_card(name: str, *, knowledge: Knowledge) -> Card:
    names = ", ".join(f"`{n}`" for n in area_names(knowledge))
    blocks: list[Block] = [
        ui.section(
            f"I can't compare {quote_user_text(name, limit=60)}. The areas I know: {names}."
        ),
        *_area_buttons(knowledge),
    ]
    return Card(text=f"Unknown comparison area. Try one of: {names}", blocks=blocks)
