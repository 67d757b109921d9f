"""From what someone typed (or a button's reference) to the card to show: one place for both."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TextIO

from bot.answers import intents
from bot.answers.matcher import NEAR_AT, Matcher, MatchResult
from bot.answers.smalltalk import asks_which_to_hire, smalltalk
from bot.answers.text_norm import uses_bare_tpm
from bot.cards.answer import (
    AnswerBlocks,
    answer_card,
    greeting_card,
    no_match_card,
    suggest_card,
)
from bot.cards.common import Card, Surface
from bot.cards.compare import area_card, area_names, compare_card, unknown_area_card
from bot.cards.help import help_card, short_help_card
from bot.cards.profile import jd_card, jd_choice_card, profile_card
from bot.cards.refs import Shown, parse_ref
from bot.cards.topics import topic_card, topics_card
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Knowledge
from bot.knowledge.problems import KnowledgeError

SUBCOMMAND_KINDS = frozenset({"decide", "profile", "jd", "compare"})
"""Replies whose card comes from the words' subcommand, not from the matcher."""

MAX_TEXT = 4000
"""Slack's own limit for a message; anything longer is cut before any normalising is done."""


def cut(text: str) -> str:
    """The part of what someone typed that is worth reading: normalising 100k characters would
    hold the event loop for a third of a second."""
    return text[:MAX_TEXT]


@dataclass(frozen=True)
class Reply:
    """A card plus what produced it; `card` is None only when the walkthrough should start."""

    kind: str
    card: Card | None
    match: MatchResult | None = None

    @property
    def starts_walkthrough(self) -> bool:
        return self.kind == "decide"


class RoleFit:
    """The knowledge and its matcher, built once; every method is then pure and fast."""

    def __init__(self, knowledge: Knowledge, *, ask_a_person: bool = False) -> None:
        self.knowledge = knowledge
        self.matcher = Matcher.of(knowledge)
        self._grouped = knowledge.topics()
        self._answer_blocks = AnswerBlocks(knowledge)
        self.ask_a_person = ask_a_person

    def asking_people(self) -> RoleFit:
        """The same knowledge and matcher, with "Ask a person" on the cards that do not answer."""
        other = copy.copy(self)
        other.ask_a_person = True
        return other

    def reply(self, text: str, *, surface: Surface, brief_help: bool = False) -> Reply:
        intent = intents.parse(cut(text))
        match intent:
            case intents.Help():
                return Reply("help", short_help_card() if brief_help else self._help())
            case intents.Topics():
                return Reply("topics", topics_card(grouped=self._grouped))
            case intents.Decide():
                return Reply("decide", None)
            case intents.Profile(role=role):
                return Reply(
                    "profile", profile_card(role, knowledge=self.knowledge, surface=surface)
                )
            case intents.JobDescription(role=None):
                return Reply("jd", jd_choice_card(knowledge=self.knowledge))
            case intents.JobDescription(role=str() as role):
                return Reply("jd", jd_card(role, knowledge=self.knowledge, surface=surface))
            case intents.Compare(area=None):
                return Reply("compare", compare_card(self.knowledge, surface=surface))
            case intents.Compare(area=str() as name):
                area = self.knowledge.find_area(name)
                if area is None:
                    return Reply("compare", unknown_area_card(name, knowledge=self.knowledge))
                return Reply("compare", area_card(area, knowledge=self.knowledge, surface=surface))
            case intents.Ask(question=question):
                return self.answer(question, surface=surface)
        raise AssertionError(f"unhandled intent {intent!r}")

    def stands_for(self, text: str, reply: Reply) -> MatchResult | None:
        """The match a reply to `text` stands for: its own, or, for a subcommand's card or the
        walkthrough ("pm", "jd tpm", "PM or TPM?"), the matcher's answer to the same words when
        it has one. For `rolefit ask` and `make eval`, which report an entry and a topic for every
        reply; Slack's request path never needs it, so it is worked out only when asked."""
        if reply.match is not None or reply.kind not in SUBCOMMAND_KINDS:
            return reply.match
        reading = self.matcher.match(cut(text))
        return reading if reading.verdict == "answer" else None

    def answer(self, question: str, *, surface: Surface) -> Reply:
        question = cut(question)
        talk = smalltalk(question[:200])
        if talk is not None:
            return Reply(
                talk,
                greeting_card(thanks=talk == "thanks"),
                MatchResult(question, "none", None, ()),
            )
        result = self.matcher.match(question)
        if result.verdict == "answer" and result.best is not None:
            card = answer_card(
                result.best.entry,
                knowledge=self.knowledge,
                surface=surface,
                question=question,
                bare_tpm=uses_bare_tpm(question[:300]),
                truncated=result.truncated,
                also_asked=[c.entry for c in result.others],
                offer_decide=asks_which_to_hire(question[:300]),
                kept=self._answer_blocks,
            )
            return Reply("answer", card, result)
        if result.verdict == "suggest":
            card = suggest_card(
                result,
                surface=surface,
                ask_person=self.ask_a_person,
                offer_decide=asks_which_to_hire(question[:300]),
            )
            return Reply("suggest", card, result)
        # A near miss is not dropped: entries with real evidence are offered first.
        closest = [
            c.entry
            for c in (result.best, *result.alternatives)
            if c is not None and c.score >= NEAR_AT
        ]
        card = no_match_card(
            question,
            knowledge=self.knowledge,
            surface=surface,
            truncated=result.truncated,
            ask_person=self.ask_a_person,
            closest=closest,
            nearby=self.matcher.outside(question),
        )
        return Reply("none", card, result)

    def _help(self) -> Card:
        return help_card(areas=area_names(self.knowledge))

    def redraw(self, shown: Shown) -> Card | None:
        """The private answer card a vote button's `Shown` describes, as its reader saw it (other
        questions no longer known are left out), or None when its entry is unknown."""
        knowledge = self.knowledge
        entry = knowledge.by_id.get(shown.entry_id)
        if entry is None:
            return None
        return answer_card(
            entry,
            knowledge=knowledge,
            surface=Surface.PRIVATE,
            question=shown.question,
            bare_tpm=shown.bare_tpm,
            truncated=shown.truncated,
            also_asked=[knowledge.by_id[i] for i in shown.also_asked if i in knowledge.by_id],
            offer_decide=shown.offer_decide,
            kept=self._answer_blocks,
        )

    def render(self, value: str, *, surface: Surface, shared_by: str | None = None) -> Card | None:
        """The card a button's reference names, or None when the reference is stale or unknown."""
        ref = parse_ref(value)
        if ref is None:
            return None
        knowledge = self.knowledge
        match ref.kind:
            case "entry" if ref.arg in knowledge.by_id:
                return answer_card(
                    knowledge.by_id[ref.arg],
                    knowledge=knowledge,
                    surface=surface,
                    shared_by=shared_by,
                    kept=self._answer_blocks,
                )
            case "compare" if not ref.arg:
                return compare_card(knowledge, surface=surface, shared_by=shared_by)
            case "compare":
                area = knowledge.find_area(ref.arg)
                if area is None:
                    return None
                return area_card(area, knowledge=knowledge, surface=surface, shared_by=shared_by)
            case "profile" if ref.arg in knowledge.roles:
                return profile_card(
                    ref.arg, knowledge=knowledge, surface=surface, shared_by=shared_by
                )
            case "jd" if ref.arg in knowledge.roles:
                return jd_card(ref.arg, knowledge=knowledge, surface=surface, shared_by=shared_by)
            case "topic":
                return topic_card(ref.arg, grouped=self._grouped)
            case "topics":
                return topics_card(grouped=self._grouped)
            case "help":
                return self._help()
        return None


def load_rolefit(err: TextIO) -> RoleFit | None:
    """Broken knowledge stops start-up with every problem listed; nothing serves half of it."""
    try:
        return RoleFit(load_knowledge())
    except KnowledgeError as error:
        print(error.summary(), file=err)
        return None
