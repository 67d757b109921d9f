"""Question to knowledge entry: typo-tolerant, weighted towards meaningful words, and honest.

Every phrasing is reduced to canonical words (see ``text_norm``). A question's words are
spell-corrected against the knowledge vocabulary with rapidfuzz, then each phrasing that shares a
word with the question is scored by an IDF-weighted overlap in both directions (a question full of
words the knowledge never uses cannot score high), blended with a rapidfuzz string ratio.

Only the few entries that can still reach the top are scored: each word keeps its entries ordered
by the most it can add to an entry's score (see `_Impacts`), and the walk down those lists stops as
soon as no entry left can beat the ones already ranked. Words like "pm" that are in nearly every
entry would otherwise make every question score the whole base; the ranking is the same as scoring
every entry that shares a word, only cheaper.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from heapq import heappush, heapreplace
from itertools import islice
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
_KEEP = MAX_ALTERNATIVES + 1
_BOUND_SLACK = 1 + 1e-9
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
    terms: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    strong: frozenset[str]
    weak: frozenset[str]
    phrasings: tuple[_Phrasing, ...]


@dataclass(frozen=True, slots=True)
class _Impacts:
    """The entries holding one word, in the order the walk in `Matcher._ranked` visits them.

    First the entries with the word in a phrasing (`strong` of them), by `reach` descending: the
    largest share of one of the entry's phrasings' weight the word carries, which bounds what it
    adds to the entry's precision. Then the entries with the word only in the answer (reach 0,
    recall counted at WEAK_COVERAGE), by entry order, since they all score 0.
    """

    ids: tuple[int, ...]
    reach: tuple[float, ...]
    strong: int


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
            _Entry(strong, weak, tuple(self._phrasing(p) for p in phrasings))
            for strong, weak, phrasings in parsed
        )
        self._impacts = self._index(self._entries)
        self._vocab = tuple(sorted(raw_vocab | {w for w in STOPWORDS if len(w) >= 5}))
        self._known = frozenset(raw_vocab) | frozenset(frequency)
        self._corrections: dict[str, str | None] = {}

    def _phrasing(self, words: frozenset[str]) -> _Phrasing:
        terms = tuple((w, self._idf[w]) for w in words)
        return _Phrasing(words, sum(idf for _, idf in terms), terms)

    @staticmethod
    def _index(entries: tuple[_Entry, ...]) -> dict[str, _Impacts]:
        reach: dict[str, dict[int, float]] = {}
        weak: dict[str, list[int]] = {}
        for index, item in enumerate(entries):
            for phrasing in item.phrasings:
                for word, idf in phrasing.terms:
                    share = idf / phrasing.weight
                    best = reach.setdefault(word, {})
                    if share > best.get(index, 0.0):
                        best[index] = share
            for word in item.weak:
                weak.setdefault(word, []).append(index)
        impacts: dict[str, _Impacts] = {}
        for word in reach.keys() | weak.keys():
            strong = sorted(reach.get(word, {}).items(), key=lambda pair: (-pair[1], pair[0]))
            answer_only = weak.get(word, [])
            impacts[word] = _Impacts(
                ids=tuple(i for i, _ in strong) + tuple(answer_only),
                reach=tuple(r for _, r in strong) + (0.0,) * len(answer_only),
                strong=len(strong),
            )
        return impacts

    def _correct(self, word: str) -> str | None:
        """The knowledge word a typo most likely meant, or None when nothing is close enough."""
        if word in self._corrections:
            return self._corrections[word]
        if len(word) < 6:
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
            shared = sum(idf for w, idf in phrasing.terms if w in query)
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
        ranked = self._ranked(query)
        if not ranked or ranked[0][1] < self.suggest_at:
            best = Candidate(self.entries[ranked[0][0]], round(ranked[0][1], 1)) if ranked else None
            return MatchResult(question, "none", best, (), truncated)
        scored = [Candidate(self.entries[i], round(s, 1)) for i, s in ranked[:_KEEP]]
        best, rest = scored[0], scored[1:]
        alternatives = tuple(c for c in rest if c.score >= self.suggest_at)
        verdict: Verdict = "answer" if best.score >= self.answer_at else "suggest"
        return MatchResult(question, verdict, best, alternatives, truncated)

    def _ranked(self, query: dict[str, float]) -> list[tuple[int, float]]:
        """The best `_KEEP` entries sharing a word, by score then entry order, and any others
        that happened to be scored.

        Walks the words' `_Impacts` lists, always a step down the list whose next entry could add
        the most precision. An entry not reached yet holds each word at most at that list's
        position, so its recall and precision are at most what the lists' next entries allow;
        once that bound is below the `_KEEP`-th best score, nothing unscored can enter the top.
        When only answer-only entries are left, they all score exactly 0, so the first few of
        each list (the lowest entry numbers) are enough to settle ties at 0.
        """
        total = sum(query.values())
        anchored = 1.0 if ANCHORS & query.keys() else UNANCHORED
        walks = [(self._impacts[w], weight) for w, weight in query.items() if w in self._impacts]
        positions = [0] * len(walks)
        scores: dict[int, float] = {}
        top: list[float] = []

        def score(index: int) -> None:
            value = anchored * self._score(self._entries[index], query, total)
            scores[index] = value
            if len(top) < _KEEP:
                heappush(top, value)
            elif value > top[0]:
                heapreplace(top, value)

        while True:
            coverage = reach = lead_reach = 0.0
            lead = -1
            live = False
            for n, (impacts, weight) in enumerate(walks):
                at = positions[n]
                if at >= len(impacts.ids):
                    continue
                live = True
                if at < impacts.strong:
                    coverage += weight
                    reach += impacts.reach[at]
                    if impacts.reach[at] > lead_reach:
                        lead, lead_reach = n, impacts.reach[at]
                else:
                    coverage += weight * WEAK_COVERAGE
            if not live:
                break
            threshold = top[0] if len(top) == _KEEP else -1.0
            if lead < 0:
                if threshold <= 0.0:
                    for n, (impacts, _) in enumerate(walks):
                        rest = (i for i in impacts.ids[positions[n] :] if i not in scores)
                        for index in list(islice(rest, _KEEP)):
                            score(index)
                break
            bound = (
                anchored
                * 100
                * min(1.0, coverage / total) ** RECALL_EXP
                * min(1.0, reach) ** PRECISION_EXP
            )
            if bound * _BOUND_SLACK < threshold:
                break
            impacts = walks[lead][0]
            at = positions[lead]
            while at < impacts.strong and impacts.ids[at] in scores:
                at += 1
            if at < impacts.strong:
                score(impacts.ids[at])
                at += 1
            positions[lead] = at
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
