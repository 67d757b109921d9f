"""Messages that are not questions about the roles: greetings and thanks; and questions that ask
which role to hire, which the hiring walkthrough answers better than any single entry."""

from __future__ import annotations

from typing import Literal

from bot.answers.text_norm import clean_words, tokens

_GREETINGS = frozenset(
    "hi hello hey hiya howdy yo heya greetings morning afternoon evening good gm there all "
    "folks team everyone roleft rolefit bot".split()
)
_THANKS = frozenset(
    "thanks thank thx ty tysm cheers appreciated appreciate great awesome cool nice perfect "
    "helpful super that was very much so you a lot ok okay brilliant".split()
)
_MAX_WORDS = 8
Smalltalk = Literal["greeting", "thanks"]


def smalltalk(text: str) -> Smalltalk | None:
    """ "greeting" or "thanks" when the message is only that (a few words, nothing else)."""
    words = clean_words(text)
    if not words or len(words) > _MAX_WORDS:
        return None
    if any(w in {"thanks", "thank", "thx", "ty", "tysm", "cheers", "appreciated"} for w in words):
        if all(w in _THANKS or w in _GREETINGS for w in words):
            return "thanks"
        return None
    if words[0] in _GREETINGS and all(w in _GREETINGS for w in words):
        return "greeting"
    return None


_CHOOSERS = frozenset({"who", "which", "whom", "what", "should", "or"})
_ROLES = frozenset({"pm", "tpm"})


def asks_which_to_hire(text: str) -> bool:
    """True for "who should we hire?", "PM or TPM first?", "which role do we need?": a choice
    of hire rather than a question about one role."""
    words = clean_words(text)[:60]
    canonical = set(tokens(" ".join(words)))
    if "hire" not in canonical and "need" not in canonical:
        return False
    if not _CHOOSERS.intersection(words):
        return False
    roles = _ROLES.intersection(canonical)
    return len(roles) != 1
