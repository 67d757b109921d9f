"""Cards for a matched question: the answer, "did you mean", and "I don't know that one"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.answers.matcher import MatchResult
from bot.cards import common as ui
from bot.cards import refs
from bot.cards.common import Block, Card, Surface
from bot.cards.experts import ask_block, ask_value
from bot.cards.mrkdwn import quote_user_text, user_mention
from bot.cards.topics import TOPIC_LABELS
from bot.knowledge.model import FaqEntry, Knowledge
from bot.knowledge.review import reviewed_label

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
    return ui.button("Share in channel", action_id=ui.SHARE, value=ref)


def shared_by_line(user_id: str) -> Block:
    return ui.context(f":mega: Shared by {user_mention(user_id)}")


@dataclass(frozen=True, slots=True)
class EntryBlocks:
    """The blocks of an entry's answer card that never change: everything but the echo of the
    question, the notes, who shared it and the other questions of the message."""

    opening: tuple[Block, ...]
    program_note: Block | None
    """The "TPM means Technical Product Manager" note, for questions that only say TPM."""
    source: Block
    feedback: Mapping[Surface, Block]
    related: tuple[Block, ...]

    @classmethod
    def of(cls, entry: FaqEntry, knowledge: Knowledge) -> EntryBlocks:
        program = _program_entry(knowledge)
        note = None
        if program is not None and "program manager" not in entry.answer.lower():
            note = ui.Fixed(
                ui.section(
                    ":information_source: Here *TPM* means Technical _Product_ Manager. "
                    "Some companies use it for Technical _Program_ Manager, a different role.",
                    accessory=ui.button(
                        "Program Manager?", action_id=ui.OPEN_ALSO, value=refs.entry(program.id)
                    ),
                )
            )
        source = f":books: RoleFit knowledge · {TOPIC_LABELS.get(entry.topic, entry.topic)}"
        reviewed = reviewed_label(entry)
        votes = (
            ui.button(":thumbsup: Helpful", action_id=ui.HELPFUL, value=entry.id),
            ui.button(":thumbsdown: Not helpful", action_id=ui.NOT_HELPFUL, value=entry.id),
        )
        feedback = {
            surface: ui.Fixed(
                ui.actions(
                    *((share_button(refs.entry(entry.id)),) if surface is Surface.PRIVATE else ()),
                    *votes,
                    block_id=f"feedback.{entry.id}",
                )
            )
            for surface in Surface
        }
        related = [knowledge.by_id[r] for r in entry.related if r in knowledge.by_id][:5]
        related_blocks: tuple[Block, ...] = ()
        if related:
            buttons = (
                ui.open_button(r.question, refs.entry(r.id), index=i) for i, r in enumerate(related)
            )
            related_blocks = (
                ui.Fixed(ui.context("*Related questions*")),
                ui.Fixed(ui.actions(*buttons)),
            )
        return cls(
            opening=(ui.Fixed(ui.header(entry.question)), ui.Fixed(ui.section(entry.answer))),
            program_note=note,
            source=ui.Fixed(ui.context(f"{source} · {reviewed}" if reviewed else source)),
            feedback=feedback,
            related=related_blocks,
        )


class AnswerBlocks:
    """One knowledge base's `EntryBlocks`, each built the first time its entry is answered and
    kept (so never more than the knowledge has entries): building and encoding them was a third
    of the CPU an answer cost besides the matcher."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._kept: dict[str, EntryBlocks] = {}

    def of(self, entry: FaqEntry) -> EntryBlocks:
        found = self._kept.get(entry.id)
        if found is None:
            found = self._kept[entry.id] = EntryBlocks.of(entry, self.knowledge)
        return found


_OFFER_DECIDE = ui.Fixed(
    ui.section(
        ":compass: Not sure which role your team needs? The walkthrough asks a few "
        "questions and recommends PM, TPM or both.",
        accessory=ui.decide_button("Help me decide"),
    )
)


def answer_card(
    entry: FaqEntry,
    *,
    knowledge: Knowledge,
    surface: Surface,
    question: str | None = None,
    bare_tpm: bool = False,
    truncated: bool = False,
    shared_by: str | None = None,
    also_asked: Sequence[FaqEntry] = (),
    offer_decide: bool = False,
    kept: AnswerBlocks | None = None,
) -> Card:
    """`also_asked`: entries for the message's other questions (buttons); `offer_decide`: the
    question asks which role to hire, so the walkthrough is offered; `kept`: where this
    knowledge's fixed blocks are kept (else they are built for this card alone)."""
    fixed = kept.of(entry) if kept is not None else EntryBlocks.of(entry, knowledge)
    asked = refs.short_question(question) if question is not None else None
    blocks: list[Block] = list(fixed.opening)
    notes: list[str] = []
    if asked is not None:
        notes.append(f"You asked {quote_user_text(asked)}")
    if truncated:
        notes.append(TRUNCATED_NOTE)
    if notes:
        blocks.append(ui.context(*notes))
    if bare_tpm and fixed.program_note is not None:
        blocks.append(fixed.program_note)
    blocks.append(fixed.source)
    if shared_by is not None:
        blocks.append(shared_by_line(shared_by))
    feedback = fixed.feedback[surface]
    if surface is Surface.PRIVATE:
        shown = refs.Shown(
            entry.id,
            question=asked or None,
            bare_tpm=bare_tpm,
            truncated=truncated,
            offer_decide=offer_decide,
            also_asked=tuple(e.id for e in also_asked[: refs.MAX_ALSO]),
        )
        value = shown.value()
        if value != entry.id:
            feedback = _with_vote_value(feedback, value)
    blocks.append(feedback)
    if also_asked:
        blocks.append(ui.context("*You also asked*"))
        blocks.append(
            ui.actions(
                *(
                    ui.open_button(e.question, refs.entry(e.id), index=10 + i)
                    for i, e in enumerate(also_asked[: refs.MAX_ALSO])
                ),
                block_id="also_asked",
            )
        )
    if offer_decide:
        blocks.append(_OFFER_DECIDE)
    blocks.extend(fixed.related)
    return Card(text=f"{entry.question}\n{entry.answer}", blocks=blocks)


def _is_vote(element: Block) -> bool:
    return str(element.get("action_id", "")).startswith((ui.HELPFUL, ui.NOT_HELPFUL))


def _with_vote_value(block: Block, value: str) -> Block:
    """A kept feedback block whose vote buttons carry `value`: that block and its two vote buttons
    are copied, shallowly; the share button and the kept block itself stay as they are."""
    elements = [{**e, "value": value} if _is_vote(e) else e for e in block["elements"]]
    return {**block, "elements": elements}


def voted_card(card: Card, *, entry_id: str, helpful: bool, offer: Sequence[Block] = ()) -> Card:
    """A private answer card after its reader voted: the vote buttons become a line saying how
    they voted, with a ui.button to change it that carries the same value as they did (so a
    change redraws the same card), and `offer`, such as asking a person, below it; everything
    else stays as it was."""
    block_id = f"feedback.{entry_id}"
    if helpful:
        line = ":thumbsup: You found this helpful. Thanks!"
        label, action_id = ":thumbsdown: Change to not helpful", ui.NOT_HELPFUL
    else:
        line = (
            ":thumbsdown: You found this not helpful. The people who keep my knowledge will see it."
        )
        label, action_id = ":thumbsup: Change to helpful", ui.HELPFUL
    blocks: list[Block] = []
    for block in card.blocks:
        if block.get("block_id") != block_id:
            blocks.append(block)
            continue
        kept = [element for element in block["elements"] if not _is_vote(element)]
        value = next((str(e["value"]) for e in block["elements"] if _is_vote(e)), entry_id)
        change = ui.button(label, action_id=action_id, value=value)
        blocks.extend([ui.context(line), ui.actions(*kept, change, block_id=block_id), *offer])
    return Card(text=card.text, blocks=blocks)


def _program_entry(knowledge: Knowledge) -> FaqEntry | None:
    entries = knowledge.topics().get("program-vs-product")
    return entries[0] if entries else None


def suggest_card(
    result: MatchResult, *, surface: Surface, ask_person: bool = False, offer_decide: bool = False
) -> Card:
    choices = [c.entry for c in (result.best, *result.alternatives) if c is not None]
    blocks: list[Block] = [
        ui.section(
            f":thinking_face: I'm not sure I understood {quote_user_text(result.question)}. "
            "Did you mean one of these?"
        ),
        ui.actions(
            *(
                ui.open_button(entry.question, refs.entry(entry.id), index=i)
                for i, entry in enumerate(choices)
            )
        ),
        _NONE_OF_THESE[result.truncated],
        *([ask_block(ask_value(result.question))] if ask_person else []),
    ]
    if offer_decide:
        blocks.append(_DECIDE_ROW)
    text = "Did you mean: " + "; ".join(e.question for e in choices)
    return Card(text=text, blocks=blocks)


COVERS = (
    "I only know about Product Managers and Technical Product Managers: what they do, "
    "how they differ, and when to hire which."
)

# The blocks of the cards below that are the same on every card (see `ui.Fixed`).
_NONE_OF_THESE = {
    truncated: ui.Fixed(
        ui.context(
            *([TRUNCATED_NOTE] if truncated else []),
            "None of these? Try rewording, or type `/rolefit topics` to browse.",
        )
    )
    for truncated in (False, True)
}
_DECIDE_ROW = ui.Fixed(ui.actions(ui.decide_button("Help me decide: PM or TPM?")))
_WAYS_ON = ui.Fixed(
    ui.ways_on("Browse all topics", refs.TOPICS, decide="Help me decide: PM or TPM?")
)
_TRY = ui.Fixed(ui.context("Try `what does a tpm do?`, `do startups need a tpm?` or `compare`."))
_TRUNCATED = ui.Fixed(ui.context(TRUNCATED_NOTE))
_DIVIDER = ui.Fixed(ui.divider())
_CLOSEST = ui.Fixed(ui.section("*Closest I have:*"))
_OFTEN_ASKED = ui.Fixed(ui.section("*People often ask:*"))


def greeting_card(*, thanks: bool) -> Card:
    """A short friendly reply to "hi" or "thanks", with what RoleFit can do."""
    opening = (
        ":raised_hands: You're welcome! Ask me anything else about PMs and TPMs."
        if thanks
        else ":wave: Hi! I answer questions about Product Managers and Technical Product "
        "Managers: what they do, how they differ, and when to hire which."
    )
    blocks: list[Block] = [
        ui.section(opening),
        _TRY,
        _WAYS_ON,
    ]
    return Card(text=opening, blocks=blocks)


def no_match_card(
    question: str,
    *,
    knowledge: Knowledge,
    surface: Surface,
    truncated: bool = False,
    ask_person: bool = False,
    closest: Sequence[FaqEntry] = (),
    nearby: bool = False,
) -> Card:
    """`closest`: entries with some evidence for the question, offered first; `nearby`: the
    question is about a neighbouring subject RoleFit does not cover (a polite decline)."""
    topics = knowledge.topics()
    suggestions = [topics[t][0] for t in SUGGESTED_TOPICS if t in topics]
    if closest:
        shown = {e.id for e in closest[:3]}
        suggestions = [*closest[:3], *(e for e in suggestions if e.id not in shown)][:5]
    opening = (
        f":wave: That one is outside what I cover: {quote_user_text(question)}\n"
        if nearby
        else f":shrug: I don't know that one: {quote_user_text(question)}\n"
    )
    blocks: list[Block] = [
        ui.section(opening + COVERS),
        *([_TRUNCATED] if truncated else []),
        _DIVIDER,
        _CLOSEST if closest else _OFTEN_ASKED,
        ui.actions(
            *(
                ui.open_button(entry.question, refs.entry(entry.id), index=i)
                for i, entry in enumerate(suggestions)
            )
        ),
        _WAYS_ON,
        *([ask_block(ask_value(question))] if ask_person else []),
    ]
    return Card(
        text="I don't know that one. Try `/rolefit topics` or `/rolefit decide`.", blocks=blocks
    )
