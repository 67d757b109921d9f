"""Experts' answers as FAQ entries in the knowledge format, for a keeper to review and commit.

The export is a list of entries indented to sit under `entries:` in faq.yml, so reviewing it is
"read, edit, append". Each entry passes `rolefit check`: a unique id, a known topic, at least
MIN_PHRASINGS phrasings (made from the expert's and the asker's wording, to be improved by hand),
the answer escaped like any user text, the expert as owner and no review date until reviewed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

import yaml

from bot.cards.mrkdwn import escape
from bot.feedback.records import Draft
from bot.knowledge.loader import MAX_OWNER, MAX_TITLE, MIN_PHRASINGS

MAX_ID = 64
MAX_PHRASING = 300
_WORD = re.compile(r"[a-z0-9]+")
_MARKUP = re.compile(r"[<>&]")
_FILLER = frozenset(
    "a an the is are do does did what whats how who when why which should we i you our my "
    "to of for in on and or can".split()
)

HEADER = """\
# Draft FAQ entries from RoleFit's experts channel: {count} of them, exported {when}.
# They are NOT served until a keeper reviews them: read each one, fix the wording, improve the
# phrasings, add `reviewed: YYYY-MM-DD`, then append them under `entries:` in faq.yml and run
# `rolefit check`.
"""


def _inert(text: str) -> str:
    """Text without the characters Slack reads as mentions, broadcasts or links, on one line."""
    return " ".join(_MARKUP.sub(" ", text).split())


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _slug(text: str) -> str:
    words = [w for w in _words(text) if w not in _FILLER] or _words(text) or ["draft"]
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > MAX_ID - 4:
            break
        slug = longer
    return slug or "draft"


def unique_id(text: str, taken: set[str]) -> str:
    base = _slug(text)
    found, n = base, 2
    while found in taken:
        found, n = f"{base}-{n}", n + 1
    taken.add(found)
    return found


def phrasings(question: str, asked: str) -> list[str]:
    """Ways to ask, from the two wordings we have; a starting point for the keeper."""
    found: list[str] = []
    for text, as_written in ((question, True), (asked, False)):
        plain = " ".join(_words(text))
        keywords = " ".join(w for w in _words(text) if w not in _FILLER)
        for candidate in (_inert(text) if as_written else "", plain, keywords):
            candidate = candidate[:MAX_PHRASING].strip()
            if candidate and candidate not in found:
                found.append(candidate)
    base = " ".join(_words(question)) or "draft question"
    for extra in (f"tell me {base}", f"question: {base}", f"asked: {base}", f"about {base}"):
        if len(found) >= MIN_PHRASINGS:
            break
        if extra not in found:
            found.append(extra[:MAX_PHRASING])
    return found


def draft_entry(draft: Draft, *, taken: set[str]) -> dict[str, Any]:
    """One draft as an FAQ entry mapping (see docs/knowledge-format.md)."""
    question = _inert(draft.question)[:MAX_TITLE] or "Draft question"
    return {
        "id": unique_id(question, taken),
        "topic": draft.topic,
        "owner": _inert(f"@{draft.expert_name}")[:MAX_OWNER],
        "question": question,
        "phrasings": phrasings(question, draft.asked),
        "answer": escape(draft.answer) + "\n",
    }


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, so an answer reads as it will show."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def export_yaml(drafts: Iterable[Draft], *, existing_ids: Collection[str], now: float) -> str:
    """The drafts as faq.yml entries (two-space indented list items), behind a header."""
    taken = set(existing_ids)
    entries = [draft_entry(d, taken=taken) for d in drafts]
    when = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = ""
    if entries:
        dumped = yaml.dump(entries, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        body = "\n" + "".join(
            f"  {line}" if line.strip() else line for line in dumped.splitlines(True)
        )
    return HEADER.format(count=len(entries), when=when) + body
