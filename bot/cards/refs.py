"""Short references to cards, carried in button values so any process can re-render the card."""

from __future__ import annotations

from dataclasses import dataclass

from bot.cards.mrkdwn import flatten
from bot.knowledge.loader import MAX_FAQ_ID
from bot.knowledge.schema import ID

KINDS = ("entry", "compare", "profile", "jd", "topic", "topics", "help")


@dataclass(frozen=True, slots=True)
class Ref:
    kind: str
    arg: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.arg}"


def parse_ref(value: str) -> Ref | None:
    """None for anything that is not a well-formed reference (stale or tampered buttons)."""
    kind, sep, arg = value.partition(":")
    if not sep or kind not in KINDS or len(arg) > 100:
        return None
    return Ref(kind, arg)


def entry(entry_id: str) -> str:
    return str(Ref("entry", entry_id))


def compare(area: str = "") -> str:
    return str(Ref("compare", area))


def profile(role: str) -> str:
    return str(Ref("profile", role))


def jd(role: str) -> str:
    return str(Ref("jd", role))


def topic(name: str) -> str:
    return str(Ref("topic", name))


TOPICS = str(Ref("topics"))
HELP = str(Ref("help"))


# --- what a private answer card showed, carried by its vote buttons ---------------------------

SHOWN_VERSION = "a1"
MAX_VALUE = 2000
"""Slack's limit for a button value."""
MAX_ASKED = 300
"""How much of the question a vote button keeps: the card quotes at most 200 characters of it."""
MAX_ALSO = 3
"""The "You also asked" buttons a card shows."""
_PREFIX = f"{SHOWN_VERSION}:"
_FLAGS = "tcd"
"""bare TPM (the Program Manager note), cut (the long-question note), decide (the walkthrough)."""


@dataclass(frozen=True, slots=True)
class Shown:
    """What a private answer card showed besides its entry. Slack sends no blocks with a click on
    an ephemeral message, so the vote buttons carry this to redraw the card the person saw."""

    entry_id: str
    question: str | None = None
    """Already flattened and cut to `MAX_ASKED` (`short_question`)."""
    bare_tpm: bool = False
    truncated: bool = False
    offer_decide: bool = False
    also_asked: tuple[str, ...] = ()

    def value(self) -> str:
        """`a1:<entry>:<flags>:<also,asked,ids>:<question>`, or just the entry id (what every
        vote button carried before) when the card showed nothing more or this cannot be read
        back exactly."""
        if self == Shown(self.entry_id):
            return self.entry_id
        on = (self.bare_tpm, self.truncated, self.offer_decide)
        flags = "".join(flag for flag, set_ in zip(_FLAGS, on, strict=True) if set_)
        also = ",".join(self.also_asked)
        value = f"{_PREFIX}{self.entry_id}:{flags}:{also}:{self.question or ''}"
        return value if parse_shown(value) == self else self.entry_id


def short_question(text: str) -> str:
    """The part of a question a card quotes and its vote buttons keep: `quote_user_text` gives the
    same echo for it as for the whole question."""
    return flatten(text)[:MAX_ASKED].rstrip()


def _is_entry_id(text: str) -> bool:
    return len(text) <= MAX_FAQ_ID and ID.fullmatch(text) is not None


def parse_shown(value: str) -> Shown:
    """Never fails. A value without the version prefix is an entry id (old buttons, and cards that
    showed nothing more); one with it that is not exactly what `Shown.value` writes keeps only its
    entry id, so a stale, cut or forged value redraws the plain answer card."""
    if not value.startswith(_PREFIX):
        return Shown(value)
    parts = value.split(":", 4)
    entry_id = parts[1]
    if not _is_entry_id(entry_id):
        return Shown(value)
    if len(parts) < 5 or len(value) > MAX_VALUE:
        return Shown(entry_id)
    _, _, flags, also, question = parts
    also_asked = tuple(also.split(",")) if also else ()
    canonical = "".join(flag for flag in _FLAGS if flag in flags)
    if (
        flags != canonical
        or len(also_asked) > MAX_ALSO
        or not all(_is_entry_id(other) for other in also_asked)
        or len(question) > MAX_ASKED
    ):
        return Shown(entry_id)
    bare_tpm, truncated, offer_decide = (flag in flags for flag in _FLAGS)
    return Shown(
        entry_id,
        question=question or None,
        bare_tpm=bare_tpm,
        truncated=truncated,
        offer_decide=offer_decide,
        also_asked=also_asked,
    )
