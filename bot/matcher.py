"""Question to knowledge entry: typo-tolerant, weighted towards meaningful words, and honest.

Every phrasing is reduced to canonical words (see ``text_norm``). A question's words are
spell-corrected against the knowledge vocabulary with rapidfuzz, then each phrasing that shares a
word with the question is scored by an IDF-weighted overlap in both directions (a question full of
words the knowledge never uses cannot score high), blended with a rapidfuzz string ratio.

Only entries that can still reach the top are scored. Each word keeps its entries ordered by the
most the word can add to an entry's precision (`_Impacts`); the walk down those lists stops as soon
as nothing left can beat the entries already ranked, and an entry whose own cheap bound cannot
reach them is passed over without the full score. Words like "pm" that are in nearly every entry
would otherwise make every question score the whole base. The ranking, scores included, is the
same as scoring every entry that shares a word with the question.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from heapq import heapify, heappop, heappush, heapreplace
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
TIGHT = False
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
    reach: dict[str, float]
    """For each phrasing word, the largest share of one phrasing's weight it carries."""


@dataclass(frozen=True, slots=True)
class _Impacts:
    """The entries holding one word, in the order `Matcher._ranked` walks them.

    First the `strong` entries with the word in a phrasing, by `reach` descending (the entry's
    `_Entry.reach` for the word: what the word can add to its precision); then the entries with
    the word only in their answer, by entry number, since those all score 0.
    """

    ids: tuple[int, ...]
    reach: tuple[float, ...]
    strong: int
    word: str = ''


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
            _entry(strong, weak, [self._phrasing(p) for p in phrasings])
            for strong, weak, phrasings in parsed
        )
        self._impacts = _index(self._entries)
        self._vocab = tuple(sorted(raw_vocab | {w for w in STOPWORDS if len(w) >= 5}))
        self._known = frozenset(raw_vocab) | frozenset(frequency)
        self._corrections: dict[str, str | None] = {}

    def _phrasing(self, words: frozenset[str]) -> _Phrasing:
        terms = tuple((w, self._idf[w]) for w in words)
        return _Phrasing(words, sum(idf for _, idf in terms), terms)

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
        return self._scored(item, query, self._recall(item, query, total))

    @staticmethod
    def _recall(item: _Entry, query: dict[str, float], total: float) -> float:
        covered = sum(
            weight * (1.0 if word in item.strong else WEAK_COVERAGE if word in item.weak else 0.0)
            for word, weight in query.items()
        )
        return covered / total

    @staticmethod
    def _scored(
        item: _Entry, query: dict[str, float], recall: float, hits: list[str] | None = None
    ) -> float:
        """The score from the recall; `hits` (the question's words in the entry's phrasings)
        skips the phrasing loop when there is only one, whose reach is then the precision."""
        if hits is not None and len(hits) == 1:
            precision = item.reach[hits[0]]
        else:
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

    def _tight(self, walks, cursors, query, total, anchored):
        strong = []
        q_live = 0.0
        for n, (impacts, weight) in enumerate(walks):
            at = cursors[n]
            if at >= len(impacts.ids):
                continue
            q_live += weight
            if at < impacts.strong:
                r = impacts.reach[at]
                idf = self._idf[impacts.word]
                strong.append((idf / r, idf, r, weight))
        strong.sort()
        best = 0.0
        q = idfs = rs = 0.0
        prec = 0.0
        for cw, idf, r, weight in strong:
            q += weight; idfs += idf; rs += r
            prec = max(prec, idfs / cw)
            p = min(1.0, rs, prec)
            rec = min(1.0, (q + WEAK_COVERAGE * (q_live - q)) / total)
            best = max(best, rec ** RECALL_EXP * p ** PRECISION_EXP)
        return anchored * 100 * best

    def _ranked(self, query: dict[str, float]) -> list[tuple[int, float]]:
        """The best `_KEEP` entries sharing a word with the question, by score then entry number,
        plus whichever others were scored on the way: the top is the same as scoring them all.

        Each step visits the next entry of the word list whose next reach is largest. An entry not
        visited yet sits at or after every list's cursor, so its recall is at most the weights of
        the lists not finished and its precision at most the sum of the cursors' reach. Once that
        bound is below the `_KEEP`-th best score, nothing unvisited can enter the top. A visited
        entry is scored only when its own bound (its recall, the sum of its reach for the
        question's words) can reach the top. When only answer-only entries are left, they all
        score exactly 0, so the first few of each list (the lowest entry numbers) settle ties.
        """
        total = sum(query.values())
        anchored = 1.0 if ANCHORS & query.keys() else UNANCHORED
        walks = [(self._impacts[w], weight) for w, weight in query.items() if w in self._impacts]
        cursors = [0] * len(walks)
        queue = [(-impacts.reach[0], n) for n, (impacts, _) in enumerate(walks) if impacts.strong]
        heapify(queue)
        seen: set[int] = set()
        scores: dict[int, float] = {}
        top: list[float] = []

        qkeys = query.keys()

        def visit(index: int) -> None:
            seen.add(index)
            item = self._entries[index]
            threshold = top[0] if len(top) == _KEEP else 0.0
            if threshold > 0.0:
                rsum = qsum = 0.0
                for w in item.reach.keys() & qkeys:
                    rsum += item.reach[w]
                    qsum += query[w]
                rb = min(1.0, (qsum + WEAK_COVERAGE * (total - qsum)) / total)
                bound = anchored * 100 * rb**RECALL_EXP * min(1.0, rsum)**PRECISION_EXP
                if bound * _BOUND_SLACK < threshold:
                    return
            recall = self._recall(item, query, total)
            hits = [w for w in query if w in item.reach]
            value = anchored * self._scored(item, query, recall, hits)
            scores[index] = value
            if len(top) < _KEEP:
                heappush(top, value)
            elif value > top[0]:
                heapreplace(top, value)

        def coverage() -> float:
            return sum(
                weight if cursors[n] < impacts.strong else weight * WEAK_COVERAGE
                for n, (impacts, weight) in enumerate(walks)
                if cursors[n] < len(impacts.ids)
            )

        covered = coverage()
        steps = 0
        while queue:
            threshold = top[0] if len(top) == _KEEP else -1.0
            reach = min(1.0, -sum(r for r, _ in queue))
            recall = min(1.0, covered / total)
            bound = anchored * 100 * recall**RECALL_EXP * reach**PRECISION_EXP
            if bound * _BOUND_SLACK < threshold:
                return _ordered(scores)
            steps += 1
            if TIGHT and threshold > 0 and steps % TIGHT == 0 and self._tight(walks, cursors, query, total, anchored) * _BOUND_SLACK < threshold:
                return _ordered(scores)
            n = heappop(queue)[1]
            impacts = walks[n][0]
            at = cursors[n]
            while at < impacts.strong and impacts.ids[at] in seen:
                at += 1
            if at < impacts.strong:
                visit(impacts.ids[at])
                at += 1
            cursors[n] = at
            if at < impacts.strong:
                heappush(queue, (-impacts.reach[at], n))
            else:
                covered = coverage()
        if not (len(top) == _KEEP and top[0] > 0.0):
            for impacts, _ in walks:
                rest = (i for i in impacts.ids[impacts.strong :] if i not in seen)
                for index in list(islice(rest, _KEEP)):
                    visit(index)
        return _ordered(scores)


def _entry(strong: frozenset[str], weak: frozenset[str], phrasings: list[_Phrasing]) -> _Entry:
    reach: dict[str, float] = {}
    for phrasing in phrasings:
        for word, idf in phrasing.terms:
            share = idf / phrasing.weight
            if share > reach.get(word, 0.0):
                reach[word] = share
    return _Entry(strong, weak, tuple(phrasings), reach)


def _index(entries: tuple[_Entry, ...]) -> dict[str, _Impacts]:
    strong: dict[str, list[tuple[float, int]]] = {}
    weak: dict[str, list[int]] = {}
    for index, item in enumerate(entries):
        for word, reach in item.reach.items():
            strong.setdefault(word, []).append((-reach, index))
        for word in item.weak:
            weak.setdefault(word, []).append(index)
    impacts: dict[str, _Impacts] = {}
    for word in strong.keys() | weak.keys():
        ranked = sorted(strong.get(word, ()))
        impacts[word] = _Impacts(
            ids=tuple(i for _, i in ranked) + tuple(weak.get(word, ())),
            reach=tuple(-r for r, _ in ranked),
            strong=len(ranked),
            word=word,
        )
    return impacts


def _ordered(scores: dict[int, float]) -> list[tuple[int, float]]:
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
