"""The concept vocabulary (`knowledge/concepts.yml`): words and phrases that mean one thing here.

Each concept names a token (`id`) and the words and phrases people use for it ("pay", "comp",
"how much do"... -> `salary`). Both the knowledge's phrasings and every question are rewritten
with it before matching, so an entry written with one word is found with any of the others.
A concept marked `outside: true` is a nearby subject RoleFit does not cover (product owners,
prioritisation frameworks, tools): a question whose asking part names one is never answered
with confidence.

The file is read and checked by bot/knowledge/concepts.py, like every other knowledge file.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.answers.text_norm import clean_words
from bot.knowledge.concepts import fold as _fold
from bot.knowledge.model import Concept


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
