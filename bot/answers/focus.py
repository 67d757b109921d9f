"""Question focus: which parts of a message ask something, and which only set the scene.

Real questions come wrapped in context ("I've been a PM for six years... We're a 40-person
startup...") and often ask two or three things at once. `read` splits a message into sentences
and marks the asking ones: a sentence ending in "?", or one opening like a question ("how do
I...", "should we...") or a request ("advice on...", "I'm wondering whether..."); a short
question right after a short statement ("PRD vs spec: what's the difference?") takes the
statement in as its subject. The matcher
weighs words from asking sentences above words from the context, so a long preamble cannot
dilute a clear question, and each asking sentence can be matched on its own to offer the
other questions as buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Where sentences end: ., ?, ! (and runs of them) followed by space, or line breaks.
_SPLIT = re.compile(
    r"(?<=[.?!])[\"')\]]*\s+|\s*\n+\s*|(?<=\?)(?=[A-Za-z])|(?<=[a-z][.!])(?=[A-Z][a-z])"
    r"|(?<=\w):\s+"
)
_OPENERS = frozenset(
    """
    what whats how hows why who whos whom whose when where which should shall do does did is
    are can could would will wont cant isnt arent dont doesnt any anyone advice tips
    """.split()
)
_ASKING_PHRASES = (
    "i wonder",
    "i am wondering",
    "im wondering",
    "i was wondering",
    "i am curious",
    "im curious",
    "curious what",
    "curious how",
    "curious about",
    "my question",
    "i want to know",
    "i wanted to know",
    "would like to know",
    "please explain",
    "can someone explain",
    "help me understand",
    "any advice",
    "any thoughts",
    "looking for advice",
    "tell me",
    "explain the difference",
    "difference between",
)
_WORD = re.compile(r"[a-z]+")
_BREAKS = re.compile(r"[.?!:\n]")
_ENDINGS = " .!?\"')]"
CONTEXT_WEIGHT = 0.2
"""How much a context word counts against an asking word."""
LATER_WEIGHT = 0.75
"""How much the words of a later question count against the first (the main one)."""
MAX_PARTS = 12
_SHORT_QUESTION = 6
_SHORT_SUBJECT = 12
_NAMES_A_ROLE = re.compile(r"\b(?:t?pms?|managers?|product|program|project|roles?|owners?)\b")


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    asking: bool


@dataclass(frozen=True, slots=True)
class Focus:
    parts: tuple[Part, ...]

    @property
    def asking(self) -> tuple[str, ...]:
        """The asking sentences, in order."""
        return tuple(p.text for p in self.parts if p.asking)

    @property
    def several(self) -> bool:
        return sum(1 for p in self.parts if p.asking) > 1

    def weighted(self) -> list[tuple[str, float]]:
        """Each part with how much its words count: the first asking part 1, later ones
        `LATER_WEIGHT`, context `CONTEXT_WEIGHT`
        (everything counts fully when nothing looks like a question)."""
        if not any(p.asking for p in self.parts):
            return [(p.text, 1.0) for p in self.parts]
        weighted: list[tuple[str, float]] = []
        first = True
        for part in self.parts:
            if part.asking:
                weighted.append((part.text, 1.0 if first else LATER_WEIGHT))
                first = False
            else:
                weighted.append((part.text, CONTEXT_WEIGHT))
        return weighted


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SPLIT.split(text) if s and s.strip(" .!?\"'")]


def is_asking(sentence: str) -> bool:
    stripped = sentence.rstrip(" \"')]")
    if stripped.endswith("?"):
        return True
    lowered = sentence.lower().replace("'", "").replace("\u2019", "")
    first = _WORD.search(lowered)
    if first is not None and first.group() in _OPENERS and first.start() <= 3:
        return True
    return any(phrase in lowered for phrase in _ASKING_PHRASES)


def read(text: str) -> Focus:
    """The message's sentences (at most `MAX_PARTS`: the rest joins the last) and which ask."""
    body = text.strip()
    if not _BREAKS.search(body.rstrip(_ENDINGS)):  # one sentence: the common case, kept cheap
        return Focus((Part(body, True),)) if body.strip(_ENDINGS) else Focus(())
    found = sentences(text)
    if len(found) > MAX_PARTS:
        found = [*found[: MAX_PARTS - 1], " ".join(found[MAX_PARTS - 1 :])]
    if not found:
        return Focus(())
    if len(found) == 1:
        return Focus((Part(found[0], True),))
    parts: list[Part] = []
    for sentence in found:
        asking = is_asking(sentence)
        if asking and parts and not parts[-1].asking and _refers_back(sentence, parts[-1].text):
            parts[-1] = Part(f"{parts[-1].text} {sentence}", True)
        else:
            parts.append(Part(sentence, asking))
    return Focus(tuple(parts))


def _refers_back(question: str, before: str) -> bool:
    """True for a short question that names no role after a short statement: in "PRD vs
    technical spec: what's the difference?" or "Product vs project manager. Which one do I
    need?" the statement is the subject of the question, not its context."""
    return (
        len(question.split()) <= _SHORT_QUESTION
        and len(before.split()) <= _SHORT_SUBJECT
        and _NAMES_A_ROLE.search(question.lower()) is None
    )
