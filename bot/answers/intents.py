"""What someone asked for, read from the words after `/rolefit` (or a mention, or a DM)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answers.text_norm import clean


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Topics:
    pass


@dataclass(frozen=True, slots=True)
class Compare:
    area: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    role: str


@dataclass(frozen=True, slots=True)
class JobDescription:
    role: str | None


@dataclass(frozen=True, slots=True)
class Decide:
    pass


@dataclass(frozen=True, slots=True)
class Ask:
    question: str


Intent = Help | Topics | Compare | Profile | JobDescription | Decide | Ask

_ROLE_WORDS = {
    "pm": "pm",
    "product manager": "pm",
    "product": "pm",
    "tpm": "tpm",
    "technical product manager": "tpm",
    "technical": "tpm",
}
_DECIDE = {
    "decide",
    "decision",
    "walkthrough",
    "help me decide",
    "help us decide",
    "start walkthrough",
    "should we hire a pm or a tpm",
    "should we hire a tpm or a pm",
    "should i hire a pm or a tpm",
    "should i hire a tpm or a pm",
    "pm or tpm",
    "tpm or pm",
    "hire a pm or a tpm",
    "hire a tpm or a pm",
}
_JD = re.compile(
    r"^(?:jd|job description|job|sample jd|sample job description)(?: for)?(?: an?)?(?: (.+))?$"
)
_COMPARE = re.compile(r"^(?:compare|comparison|snapshot|side by side)(?: (.+))?$")
_PROFILE = re.compile(r"^(?:profile|role)(?: (.+))?$")
# The first words those three can match, so that most questions skip the regexes.
_STARTS = frozenset(
    {"profile", "role", "jd", "job", "sample", "compare", "comparison", "snapshot", "side"}
)


def parse(text: str) -> Intent:
    """Subcommands are matched on whole words only; anything else is a question."""
    words = clean(text)
    if words in {"", "help", "h", "usage", "commands"}:
        return Help()
    if words in {"topics", "topic", "list", "faq", "faqs"}:
        return Topics()
    if words in _DECIDE or words.rstrip("s") in _DECIDE:
        return Decide()
    if words in {"pm", "tpm"}:
        return Profile(words)
    first = words.partition(" ")[0]
    if first in _STARTS and (subcommand := _subcommand(words)) is not None:
        return subcommand
    return Ask(text.strip())


def _subcommand(words: str) -> Intent | None:
    if match := _PROFILE.match(words):
        role = _ROLE_WORDS.get(match.group(1) or "")
        if role:
            return Profile(role)
    if match := _JD.match(words):
        rest = match.group(1)
        if rest is None:
            return JobDescription(None)
        role = _ROLE_WORDS.get(rest)
        if role:
            return JobDescription(role)
    if match := _COMPARE.match(words):
        return Compare(match.group(1))
    return None
