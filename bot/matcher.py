"""Question to knowledge entry: typo-tolerant, weighted towards meaningful words, and honest.

Every phrasing is reduced to canonical words (see ``text_norm``). A question's words are
spell-corrected against the knowledge vocabulary with rapidfuzz, then each phrasing that shares a
word with the question is scored by an IDF-weighted overlap in both directions (a question full of
words the knowledge never uses cannot score high), blended with a rapidfuzz string ratio. Only
phrasings sharing a word are scored, so cost follows the question's words, not the base's size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.knowledge import FaqEntry
from bot.text_norm import STOPWORDS, canonical_words, clean, stem

Verdict = Literal["answer", "suggest", "none"]

MAX_QUESTION_CHARS = 300
ANSWER_AT = 58.0
SUGGEST_AT = 40.0
MAX_ALTERNATIVES = 3
_CORRECTED_WEIGHT = 0.8
UNKNOWN_WEIGHT = 4.0
WEAK_COVERAGE = 0.2
RECALL_EXP = 0.5
PRECISION_EXP = 0.4
UNANCHORED = 0.7
UNKNOWN_ANCHORED = 1.0
MIN_WEIGHT = 1.0
_OPPOSITE_MOVES = (("pm2tpm", "tpm2pm"), ("tpm2pm", "pm2tpm"))
ANCHORS = frozenset(
    {"pm", "tpm", "pgm", "tpgm", "product", "technical", "role", "pm2tpm", "tpm2pm"}
)


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: FaqEntry
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    question: str
    verdict: Verdict
    best: Candidate | None
    alternatives: tuple[Candidate, ...]
    truncated: bool = False

    @property
    def answered(self) -> bool:
        return self.verdict == "answer"


@dataclass(frozen=True, slots=True)
class _Phrasing:
    words: frozenset[str]
    weight: float


@dataclass(frozen=True, slots=True)
class _Entry:
    strong: frozenset[str]
    weak: frozenset[str]
    phrasings: tuple[_Phrasing, ...]


class Matcher:
    """Built once per knowledge base; `match` is then a pure function of the question."""

    def __init__(
        self,
        entries: Iterable[FaqEntry],
        *,
        answer_at: float = ANSWER_AT,
        suggest_at: float = SUGGEST_AT,
    ) -> None:
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self.answer_at = answer_at
        self.suggest_at = suggest_at
        raw_vocab: set[str] = set()
        parsed: list[tuple[frozenset[str], frozenset[str], list[frozenset[str]]]] = []
        for entry in self.entries:
            phrasings: list[frozenset[str]] = []
            for text in (entry.question, *entry.phrasings):
                cleaned = clean(text).split()
                raw_vocab.update(w for w in cleaned if len(w) >= 4 and w not in STOPWORDS)
                words = frozenset(canonical_words(cleaned))
                if words:
                    phrasings.append(words)
            answer_words = clean(entry.answer).split()
            raw_vocab.update(w for w in answer_words if len(w) >= 4 and w not in STOPWORDS)
            strong = frozenset().union(*phrasings)
            weak = frozenset(canonical_words(answer_words)) - strong
            parsed.append((strong, weak, phrasings))
        count = max(len(self.entries), 1)
        frequency: dict[str, int] = {}
        for strong, weak, _ in parsed:
            for word in strong | weak:
                frequency[word] = frequency.get(word, 0) + 1
        self._idf = {w: math.log((count + 1) / (f + 0.5)) for w, f in frequency.items()}
        self._unknown_idf = UNKNOWN_WEIGHT
        self._entries = tuple(
            _Entry(
                strong,
                weak,
                tuple(_Phrasing(p, sum(self._idf[w] for w in p)) for p in phrasings),
            )
            for strong, weak, phrasings in parsed
        )
        postings: dict[str, list[int]] = {}
        for index, item in enumerate(self._entries):
            for word in item.strong | item.weak:
                postings.setdefault(word, []).append(index)
        self._postings = {w: tuple(ids) for w, ids in postings.items()}
        self._vocab = tuple(sorted(raw_vocab | {w for w in STOPWORDS if len(w) >= 5}))
        self._known = frozenset(raw_vocab) | frozenset(frequency)
        self._corrections: dict[str, str | None] = {}

    def _correct(self, word: str) -> str | None:
        """The knowledge word a typo most likely meant, or None when nothing is close enough."""
        if word in self._corrections:
            return self._corrections[word]
        if len(word) < 5:
            return None
        cutoff = 80.0 if len(word) >= 6 else 84.0
        found = process.extractOne(word, self._vocab, scorer=fuzz.ratio, score_cutoff=cutoff)
        fixed = None
        if found is not None:
            candidate = found[0]
            limit = 2 if len(word) >= 7 else 1
            if Levenshtein.distance(word, candidate) <= limit:
                fixed = candidate
        if len(self._corrections) < 50_000:
            self._corrections[word] = fixed
        return fixed

    def _query_words(self, text: str) -> dict[str, float]:
        """Canonical question words with their weights (typo fixes count a little less)."""
        weights: dict[str, float] = {}
        raw = clean(text).split()[:60]
        fixed: list[str] = []
        corrected: set[str] = set()
        for word in raw:
            if (
                word in self._known
                or word in STOPWORDS
                or word.isdigit()
                or stem(word) in self._idf
            ):
                fixed.append(word)
                continue
            replacement = self._correct(word)
            if replacement is None:
                fixed.append(word)
            else:
                fixed.append(replacement)
                corrected.add(replacement)
        corrected_canon = set(canonical_words(list(corrected)))
        words = canonical_words(fixed)
        unknown = UNKNOWN_ANCHORED if ANCHORS.intersection(words) else self._unknown_idf
        for word in words:
            weight = max(self._idf[word], MIN_WEIGHT) if word in self._idf else unknown
            if word in corrected_canon:
                weight *= _CORRECTED_WEIGHT
            weights[word] = max(weights.get(word, 0.0), weight)
        return weights

    def _score(self, item: _Entry, query: dict[str, float], total: float) -> float:
        covered = sum(
            weight * (1.0 if word in item.strong else WEAK_COVERAGE if word in item.weak else 0.0)
            for word, weight in query.items()
        )
        recall = covered / total
        precision = 0.0
        for phrasing in item.phrasings:
            shared = sum(self._idf[w] for w in phrasing.words if w in query)
            if phrasing.weight:
                precision = max(precision, shared / phrasing.weight)
        score = 100 * recall**RECALL_EXP * precision**PRECISION_EXP
        for move, opposite in _OPPOSITE_MOVES:
            if move in query and opposite in item.strong and move not in item.strong:
                score *= 0.5
        return score

    def match(self, question: str) -> MatchResult:
        truncated = len(question) > MAX_QUESTION_CHARS
        text = question[:MAX_QUESTION_CHARS] if truncated else question
        query = self._query_words(text)
        if not query:
            return MatchResult(question, "none", None, (), truncated)
        total = sum(query.values())
        candidates: set[int] = set()
        for word in query:
            candidates.update(self._postings.get(word, ()))
        anchored = 1.0 if ANCHORS & query.keys() else UNANCHORED
        scores = {i: anchored * self._score(self._entries[i], query, total) for i in candidates}
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        if not ranked or ranked[0][1] < self.suggest_at:
            best = Candidate(self.entries[ranked[0][0]], round(ranked[0][1], 1)) if ranked else None
            return MatchResult(question, "none", best, (), truncated)
        scored = [
            Candidate(self.entries[i], round(s, 1)) for i, s in ranked[: MAX_ALTERNATIVES + 1]
        ]
        best, rest = scored[0], scored[1:]
        alternatives = tuple(c for c in rest if c.score >= self.suggest_at)
        verdict: Verdict = "answer" if best.score >= self.answer_at else "suggest"
        return MatchResult(question, verdict, best, alternatives, truncated)
