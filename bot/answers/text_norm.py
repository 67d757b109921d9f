"""Turns what people type into comparable word lists: same spelling, same acronyms, no filler."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

_PUNCT_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "/": " ",
        "&": " and ",
        "+": " and ",
    }
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_APOSTROPHE = re.compile(r"(\w)'(\w)")
_POSSESSIVE = re.compile(r"(\w)'s\b")

# Multi-word spellings of the same role, longest first, rewritten to one token.
_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        (
            (tuple(words.split()), token)
            for words, token in (
                ("technical product manager", "tpm"),
                ("technical product management", "tpm"),
                ("technical product mgr", "tpm"),
                ("tech product manager", "tpm"),
                ("tech product mgr", "tpm"),
                ("technical prod manager", "tpm"),
                ("technical prod mgr", "tpm"),
                ("tech prod mgr", "tpm"),
                ("technical pm", "tpm"),
                ("tech pm", "tpm"),
                ("technical program manager", "tpgm"),
                ("technical program management", "tpgm"),
                ("technical programme manager", "tpgm"),
                ("tech program manager", "tpgm"),
                ("tech program mgr", "tpgm"),
                ("technical program mgr", "tpgm"),
                ("program manager", "pgm"),
                ("programme manager", "pgm"),
                ("program mgr", "pgm"),
                ("program management", "pgm"),
                ("product manager", "pm"),
                ("product management", "pm"),
                ("product mgr", "pm"),
                ("prod manager", "pm"),
                ("prod mgr", "pm"),
                ("product owner", "pm"),
                ("product market fit", "pmf"),
                ("job description", "jd"),
                ("job post", "jd"),
                ("job posting", "jd"),
                ("job ad", "jd"),
                ("tech debt", "techdebt"),
                ("technical debt", "techdebt"),
                ("go to market", "gtm"),
                ("day to day", "daily"),
                ("pro and con", "difference"),  # phrases are matched on singular words
                ("side by side", "difference"),
            )
        ),
        key=lambda pair: -len(pair[0]),
    )
)

# Single words that mean the same thing here.
_SYNONYMS: dict[str, str] = {
    "pms": "pm",
    "tpms": "tpm",
    "tpgms": "tpgm",
    "pgms": "pgm",
    "vs": "versus",
    "v": "versus",
    "vrs": "versus",
    "diff": "difference",
    "differ": "difference",
    "different": "difference",
    "distinguish": "difference",
    "pay": "salary",
    "paid": "salary",
    "comp": "salary",
    "compensation": "salary",
    "earn": "salary",
    "earning": "salary",
    "money": "salary",
    "metric": "kpi",
    "kpis": "kpi",
    "measured": "kpi",
    "measuring": "kpi",
    "hiring": "hire",
    "hired": "hire",
    "recruit": "hire",
    "recruiting": "hire",
    "payed": "salary",
    "interviewing": "interview",
    "mgr": "manager",
    "duty": "responsibility",
    "task": "responsibility",
    "tasks": "responsibility",
    "accountable": "responsibility",
    "responsible": "responsibility",
    "accountability": "responsibility",
    "remit": "responsibility",
    "output": "deliverable",
    "document": "deliverable",
    "docs": "deliverable",
    "evaluate": "kpi",
    "evaluated": "kpi",
    "measure": "kpi",
    "candidate": "interview",
    "compare": "difference",
    "compared": "difference",
    "comparing": "difference",
    "comparison": "difference",
    "contrast": "difference",
    "duties": "responsibility",
    "skillset": "skill",
    "artifact": "deliverable",
    "artefact": "deliverable",
    "misconception": "myth",
    "collaborate": "collaboration",
    "collab": "collaboration",
    "together": "collaboration",
}

STOPWORDS: frozenset[str] = frozenset(
    """
    a an the and or but if of to in on at for with by from as is are was were be been being am
    do does did doing done i me my we us our you your he she they them their it its this that
    these those there here what whats which who whom whose when where why how hows can could
    should would will shall may might must have has had having so than then too very just also
    about into over any some such own same up out off again once only not no nor s t im ive id
    hey hi hello pls please thanks thank u ur ya yo lol ok okay like really actually anyone
    someone tell know explain question quick q wondering curious eh um uh get got go going thing
    things one ones kind sort bit lot lots much many more most other another all every each
    next yet still even etc exactly way
    """.split()
)


# A byte table for `_NON_WORD`: a-z and 0-9 stay, every other byte becomes a space.
_ASCII_NON_WORD = bytes(
    c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256)
)


def _fold(text: str) -> str:
    """Lower-case with Unicode look-alikes folded and apostrophes inside words dropped.

    Most text is ASCII, where three `str.replace` calls do what the translation table does, and
    the apostrophe patterns (slow: they try every position) only run when there is one.
    """
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii():
        folded = folded.replace("/", " ").replace("&", " and ").replace("+", " and ").lower()
    else:
        folded = folded.translate(_PUNCT_MAP).lower()
    if "'" in folded:
        folded = _APOSTROPHE.sub(r"\1\2", _POSSESSIVE.sub(r"\1", folded))
    return folded


def clean(text: str) -> str:
    """Lower-case, fold Unicode look-alikes and drop punctuation, keeping word boundaries."""
    return " ".join(clean_words(text))


def clean_words(text: str) -> list[str]:
    """`clean(text).split()`; ASCII text (already lower-case) goes through a byte table, which
    is several times faster than the regex."""
    folded = _fold(text)
    if folded.isascii():
        return folded.encode().translate(_ASCII_NON_WORD).decode().split()
    return _NON_WORD.sub(" ", folded).split()


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# The phrases by first word, longest first, so each position only tries phrases that can match.
_PHRASES_BY_FIRST: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    first: tuple(pair for pair in _PHRASES if pair[0][0] == first)
    for first in {phrase[0] for phrase, _ in _PHRASES}
}


_LONGEST_PHRASE = max(len(phrase) for phrase, _ in _PHRASES)
# The words that can start a phrase: those whose `_singular` is a phrase's first word.
_PHRASE_STARTS = frozenset(
    word for first in _PHRASES_BY_FIRST for word in (first, first + "s") if _singular(word) == first
)


def _rewrite_phrases(words: list[str]) -> list[str]:
    """Each phrase, left to right, as its token; only the words that can start one are tried."""
    if _PHRASE_STARTS.isdisjoint(words):
        return words
    out: list[str] = []
    done = 0
    for i in [i for i, word in enumerate(words) if word in _PHRASE_STARTS]:
        if i < done:
            continue
        ahead = tuple([_singular(w) for w in words[i : i + _LONGEST_PHRASE]])
        for phrase, token in _PHRASES_BY_FIRST[ahead[0]]:
            if ahead[: len(phrase)] == phrase:
                out.extend(words[done:i])
                out.append(token)
                done = i + len(phrase)
                break
    out.extend(words[done:])
    return out


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A light plural fold plus synonyms; synonym targets are fixed points of the fold."""
    word = _SYNONYMS.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return _SYNONYMS.get(word, word)


_ROLES = {"pm", "tpm"}
_MOVES = {
    "to",
    "into",
    "become",
    "becoming",
    "switch",
    "switching",
    "move",
    "moving",
    "transition",
    "transitioning",
    "pivot",
    "pivoting",
    "go",
    "going",
    "jump",
    "shift",
    "change",
    "moved",
    "switched",
    "transitioned",
    "went",
}
_NOT_MOVES = {"versus", "difference", "or", "and", "than", "like", "with"}


def _direction(words: list[str]) -> str | None:
    """'pm2tpm' or 'tpm2pm' when the words describe a move from one role to the other."""
    roles = [(i, w) for i, w in enumerate(words) if w in _ROLES]
    for (i, first), (j, second) in pairwise(roles):
        between = words[i + 1 : j]
        if (
            first != second
            and j - i <= 6
            and any(w in _MOVES for w in between)
            and not any(w in _NOT_MOVES for w in between)
        ):
            return f"{first}2{second}"
    return None


def canonical_words(words: list[str]) -> list[str]:
    """Phrase rewriting, synonyms and stemming, with filler removed; career moves get a token."""
    rewritten = _rewrite_phrases(words)
    result = [kept for w in rewritten if w not in STOPWORDS and (kept := stem(w)) not in STOPWORDS]
    if len(_ROLES.intersection(result)) > 1:  # a move needs both roles
        direction = _direction([w if w in STOPWORDS else stem(w) for w in rewritten])
        if direction is not None:
            result.append(direction)
    return result


def tokens(text: str) -> list[str]:
    return canonical_words(clean_words(text))


_BARE_TPM = re.compile(r"\btpms?\b", re.IGNORECASE)


_TPM_CONTEXT = re.compile(r"\b(?:products?|pms?|prds?|programs?|programmes?)\b")


def uses_bare_tpm(text: str) -> bool:
    """True when someone wrote 'TPM' with no product or program context to say which TPM."""
    if not _BARE_TPM.search(text):
        return False
    return not _TPM_CONTEXT.search(clean(text))
