"""Cards for a matched question: the answer, "did you mean", and "I don't know that one"."""

from __future__ import annotations

from bot.answers.matcher import MatchResult
from bot.cards import refs
from bot.cards.common import (
    HELPFUL,
    NOT_HELPFUL,
    SHARE,
    Block,
    Card,
    Surface,
    actions,
    button,
    context,
    decide_button,
    divider,
    header,
    open_button,
    section,
)
from bot.cards.mrkdwn import quote_user_text, user_mention
from bot.cards.topics import TOPIC_LABELS
from bot.knowledge.loader import FaqEntry, Knowledge

SUGGESTED_TOPICS = (
    "difference",
    "when-hire-tpm",
    "kpis",
    "salary",
    "startups",
    "program-vs-product",
)


TRUNCATED_NOTE = ":scissors: That was a long question, so I only read its first part."


def share_button(ref: str) -> Block:
    return button("Share in channel", action_id=SHARE, value=ref)


def shared_by_line(user_id: str) -> Block:
    return context(f":mega: Shared by {user_mention(user_id)}")


def answer_card(
    entry: FaqEntry,
    *,
    knowledge: Knowledge,
    surface: Surface,
    question: str | None = None,
    bare_tpm: bool = False,
    truncated: bool = False,
    shared_by: str | None = None,
) -> Card:
    blocks: list[Block] = [header(entry.question), section(entry.answer)]
    notes: list[str] = []
    if question is not None:
        notes.append(f"You asked {quote_user_text(question)}")
    if truncated:
        notes.append(TRUNCATED_NOTE)
    if notes:
        blocks.append(context(*notes))
    program = _program_entry(knowledge) if bare_tpm else None
    if program is not None and "program manager" not in entry.answer.lower():
        blocks.append(
            section(
                ":information_source: Here *TPM* means Technical _Product_ Manager. "
                "Some companies use it for Technical _Program_ Manager, a different role.",
                accessory=open_button("Program Manager?", refs.entry(program.id), index=99),
            )
        )
    blocks.append(
        context(f":books: RoleFit knowledge · {TOPIC_LABELS.get(entry.topic, entry.topic)}")
    )
    if shared_by is not None:
        blocks.append(shared_by_line(shared_by))
    buttons: list[Block] = []
    if surface is Surface.PRIVATE:
        buttons.append(share_button(refs.entry(entry.id)))
    buttons.append(button(":thumbsup: Helpful", action_id=HELPFUL, value=entry.id))
    buttons.append(button(":thumbsdown: Not helpful", action_id=NOT_HELPFUL, value=entry.id))
    blocks.append(actions(*buttons, block_id=f"feedback.{entry.id}"))
    related = [knowledge.by_id[r] for r in entry.related if r in knowledge.by_id][:5]
    if related:
        blocks.append(context("*Related questions*"))
        blocks.append(
            actions(
                *(open_button(r.question, refs.entry(r.id), index=i) for i, r in enumerate(related))
            )
        )
    return Card(text=f"{entry.question}\n{entry.answer}", blocks=blocks)


def _program_entry(knowledge: Knowledge) -> FaqEntry | None:
    entries = knowledge.topics().get("program-vs-product")
    return entries[0] if entries else None


def suggest_card(result: MatchResult, *, surface: Surface) -> Card:
    choices = [c.entry for c in (result.best, *result.alternatives) if c is not None]
    blocks: list[Block] = [
        section(
            f":thinking_face: I'm not sure I understood {quote_user_text(result.question)}. "
            "Did you mean one of these?"
        ),
        actions(
            *(
                open_button(entry.question, refs.entry(entry.id), index=i)
                for i, entry in enumerate(choices)
            )
        ),
        context(
            *([TRUNCATED_NOTE] if result.truncated else []),
            "None of these? Try rewording, or type `/rolefit topics` to browse.",
        ),
    ]
    text = "Did you mean: " + "; ".join(e.question for e in choices)
    return Card(text=text, blocks=blocks)


def no_match_card(
    question: str, *, knowledge: Knowledge, surface: Surface, truncated: bool = False
) -> Card:
    topics = knowledge.topics()
    suggestions = [topics[t][0] for t in SUGGESTED_TOPICS if t in topics]
    blocks: list[Block] = [
        section(
            f":shrug: I don't know that one: {quote_user_text(question)}\n"
            "I only know about Product Managers and Technical Product Managers: what they do, "
            "how they differ, and when to hire which."
        ),
        *([context(TRUNCATED_NOTE)] if truncated else []),
        divider(),
        section("*People often ask:*"),
        actions(
            *(
                open_button(entry.question, refs.entry(entry.id), index=i)
                for i, entry in enumerate(suggestions)
            )
        ),
        actions(
            decide_button("Help me decide: PM or TPM?"),
            open_button("Compare PM vs TPM", refs.compare(), index=0),
            open_button("Browse all topics", refs.TOPICS, index=1),
        ),
    ]
    return Card(
        text="I don't know that one. Try `/rolefit topics` or `/rolefit decide`.", blocks=blocks
    )
