"""Role profiles and sample job descriptions."""

from __future__ import annotations

from bot.cards import common as ui
from bot.cards import refs
from bot.cards.answer import share_button, shared_by_line
from bot.cards.common import Block, Card, Surface
from bot.cards.mrkdwn import bullets
from bot.knowledge.model import Knowledge


def _other(role: str) -> str:
    return "tpm" if role == "pm" else "pm"


def profile_card(
    role: str, *, knowledge: Knowledge, surface: Surface, shared_by: str | None = None
) -> Card:
    profile = knowledge.roles[role]
    other = knowledge.roles[_other(role)]
    blocks: list[Block] = [
        ui.header(f"{profile.name} ({profile.acronym})"),
        ui.section(profile.summary),
        ui.section(f"*Focus*\n{profile.focus}"),
        ui.section(f"*Responsibilities*\n{bullets(profile.responsibilities)}"),
        ui.section(
            f"*Skills that lean {profile.acronym}*\n{bullets(profile.skills)}\n"
            f"_Both roles need:_ {', '.join(knowledge.shared_skills)}"
        ),
        ui.section(f"*KPIs*\n{bullets(profile.kpis)}"),
        ui.section(f"*Deliverables*\n{bullets(profile.deliverables)}"),
        ui.section(f"*Hire one when*\n{bullets(profile.when_to_hire)}"),
        ui.section(f"*Hiring signals*\n{bullets(profile.hiring_signals)}"),
        ui.divider(),
    ]
    if shared_by is not None:
        blocks.append(shared_by_line(shared_by))
    buttons = [
        ui.open_button("Sample job description", refs.jd(role), index=0),
        ui.open_button("Compare PM vs TPM", refs.compare(), index=1),
        ui.open_button(f"{other.acronym} profile", refs.profile(other.key), index=2),
        ui.decide_button(),
    ]
    if surface is Surface.PRIVATE:
        buttons.insert(0, share_button(refs.profile(role)))
    blocks.append(ui.actions(*buttons))
    more = [knowledge.by_id[i] for i in profile.faq if i in knowledge.by_id][:5]
    if more:
        blocks.append(ui.context("*Read more*"))
        blocks.append(
            ui.actions(
                *(ui.open_button(e.question, refs.entry(e.id), index=i) for i, e in enumerate(more))
            )
        )
    text = f"{profile.name} ({profile.acronym}): {profile.focus}"
    return Card(text=text, blocks=blocks)


def jd_card(
    role: str, *, knowledge: Knowledge, surface: Surface, shared_by: str | None = None
) -> Card:
    profile = knowledge.roles[role]
    jd = profile.job_description
    blocks: list[Block] = [
        ui.header(jd.title),
        ui.section(jd.summary),
        ui.section(f"*What you'll do*\n{bullets(jd.duties)}"),
        ui.context(":memo: A condensed sample: adapt it to your team before posting."),
    ]
    if shared_by is not None:
        blocks.append(shared_by_line(shared_by))
    buttons = [
        ui.open_button(f"{profile.acronym} profile", refs.profile(role), index=0),
        ui.open_button(
            f"{knowledge.roles[_other(role)].acronym} job description",
            refs.jd(_other(role)),
            index=1,
        ),
        ui.open_button("Compare PM vs TPM", refs.compare(), index=2),
    ]
    if surface is Surface.PRIVATE:
        buttons.insert(0, share_button(refs.jd(role)))
    blocks.append(ui.actions(*buttons))
    text = f"Sample job description: {jd.title}\n{jd.summary}\n" + "\n".join(
        f"- {d}" for d in jd.duties
    )
    return Card(text=text, blocks=blocks)


def jd_choice_card(*, knowledge: Knowledge) -> Card:
    blocks: list[Block] = [
        ui.section("Which sample job description would you like?"),
        ui.actions(
            *(
                ui.open_button(f"{p.name} ({p.acronym})", refs.jd(p.key), index=i)
                for i, p in enumerate(knowledge.roles.values())
            )
        ),
    ]
    return Card(text="Which job description: `/rolefit jd pm` or `/rolefit jd tpm`?", blocks=blocks)
