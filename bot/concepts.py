"""The concept vocabulary (`knowledge/concepts.yml`): words and phrases that mean one thing here.

Each concept names a token (`id`) and the words and phrases people use for it ("pay", "comp",
"how much do"... -> `salary`). Both the knowledge's phrasings and every question are rewritten
with it before matching, so an entry written with one word is found with any of the others.
A concept marked `outside: true` is a nearby subject RoleFit does not cover (product owners,
prioritisation frameworks, tools): a question whose asking part names one is never answered
with confidence.

The file is checked like the others (`rolefit check`): every problem with file, entry, field
and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.text_norm import clean_words

if TYPE_CHECKING:
    from bot.knowledge import _Checker

FILE = "concepts.yml"
_TOKEN = re.compile(r"^[a-z][a-z0-9]*$")
MAX_MEANS = 80


@dataclass(frozen=True, slots=True)
class Concept:
    id: str
    means: tuple[str, ...]
    outside: bool = False
    also: tuple[str, ...] = ()
    """Tokens added next to the id (a Technical Program Manager is also a kind of TPM)."""
    topics: tuple[str, ...] = ()
    """The topics a question asking about this concept is answered from (none: any)."""


def _fold(word: str) -> str:
    """Plural fold used on both sides of a comparison ("metrics" and "metric" meet)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class Concepts:
    """Rewrites cleaned words (see `text_norm.clean_words`): each phrase, longest first, and
    each single word that a concept lists becomes the concept's id."""

    __slots__ = (
        "_also",
        "_keys",
        "_phrases",
        "_single",
        "_starts",
        "concepts",
        "outside",
        "topics",
    )

    def __init__(self, concepts: Iterable[Concept] = ()) -> None:
        self.concepts: tuple[Concept, ...] = tuple(concepts)
        single: dict[str, str] = {}
        phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for concept in self.concepts:
            for text in concept.means:
                words = tuple(_fold(w) for w in clean_words(text))
                if len(words) == 1:
                    single.setdefault(words[0], concept.id)
                elif words:
                    phrases.setdefault(words[0], []).append((words, concept.id))
        self._single = single
        self._phrases = {
            first: tuple(sorted(found, key=lambda pair: -len(pair[0])))
            for first, found in phrases.items()
        }
        starts = set(single) | set(self._phrases)
        self._starts = frozenset(starts | {w + "s" for w in starts})
        self._keys = {word: _fold(word) for word in self._starts}
        self.outside: frozenset[str] = frozenset(c.id for c in self.concepts if c.outside)
        self._also = {c.id: c.also for c in self.concepts if c.also}
        self.topics: dict[str, frozenset[str]] = {
            c.id: frozenset(c.topics) for c in self.concepts if c.topics
        }

    @property
    def words(self) -> frozenset[str]:
        """Every word the concepts' meanings use (so typo fixing leaves them alone)."""
        return frozenset(
            w for c in self.concepts for text in c.means for w in clean_words(text)
        ) | frozenset(w + "s" for w in self._starts if not w.endswith("s"))

    def __bool__(self) -> bool:
        return bool(self.concepts)

    def rewrite(self, words: list[str]) -> list[str]:
        """Only the positions holding a word that can start a meaning are looked at."""
        starts = self._starts
        if starts.isdisjoint(words):
            return words
        keys = self._keys
        count = len(words)
        out: list[str] = []
        done = 0
        for i in [i for i, word in enumerate(words) if word in starts]:
            if i < done:
                continue
            key = keys[words[i]]
            token: str | None = None
            taken = 1
            for phrase, found in self._phrases.get(key, ()):
                size = len(phrase)
                if i + size <= count and all(
                    _fold(words[i + k]) == phrase[k] for k in range(1, size)
                ):
                    token, taken = found, size
                    break
            if token is None:
                token = self._single.get(key)
                if token is None:
                    continue
            out.extend(words[done:i])
            out.append(token)
            out.extend(self._also.get(token, ()))
            done = i + taken
        out.extend(words[done:])
        return out


EMPTY = Concepts()


def parse_concepts(data: Any, checker: _Checker) -> Concepts:
    """Read `concepts.yml`, recording every problem on `checker` (file, entry, field, line)."""
    from bot.knowledge import TOPICS, _Field, _first_uses, _label, _top

    items = _top(data, "concepts", checker)
    if items is None:
        return EMPTY
    if not isinstance(items, list):
        checker.problem(data, "expected a list of concepts", entry=None, key="concepts")
        return EMPTY
    spec = {
        "id": _Field("str", max_len=30),
        "means": _Field("strs", min_items=1, max_len=60),
        "outside": _Field("bool", required=False),
        "also": _Field("strs", required=False, max_len=30),
        "topics": _Field("strs", required=False, max_len=40),
    }
    _first_uses(items, checker)
    claimed: dict[str, str] = {}
    ids: set[str] = set()
    parsed: list[Concept] = []
    for index, node in enumerate(items):
        label = _label(node, index)
        values = checker.mapping(node, spec, entry=label, where=" for a concept")
        if values is None or values["id"] in ids:
            continue
        ids.add(values["id"])
        ok = True
        if not _TOKEN.match(values["id"]):
            checker.problem(
                node,
                "a concept id is one lowercase word (letters, then digits)",
                entry=label,
                key="id",
            )
            ok = False
        also: tuple[str, ...] = values.get("also", ())
        for token in also:
            if not _TOKEN.match(token):
                checker.problem(
                    node, f"'{token}' is not one lowercase word", entry=label, key="also"
                )
                ok = False
        topics: tuple[str, ...] = values.get("topics", ())
        for topic in topics:
            if topic not in TOPICS:
                checker.problem(
                    node, f"'{topic}' is not in the topic vocabulary", entry=label, key="topics"
                )
                ok = False
        means: tuple[str, ...] = values["means"]
        if len(means) > MAX_MEANS:
            checker.problem(
                node,
                f"has {len(means)} items, over the limit of {MAX_MEANS}",
                entry=label,
                key="means",
            )
            ok = False
        for number, text in enumerate(means, 1):
            words = " ".join(_fold(w) for w in clean_words(text))
            if not words:
                checker.problem(
                    node,
                    f"item {number} ('{text}') has no words once punctuation is dropped",
                    entry=label,
                    key="means",
                )
                ok = False
            elif words in claimed and claimed[words] != values["id"]:
                checker.problem(
                    node,
                    f"item {number} ('{text}') is already a meaning of '{claimed[words]}'",
                    entry=label,
                    key="means",
                )
                ok = False
            else:
                claimed[words] = values["id"]
        if ok:
            parsed.append(
                Concept(values["id"], means, bool(values.get("outside", False)), also, topics)
            )
    return Concepts(parsed)
