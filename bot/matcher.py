"""Question to knowledge entry: typo-tolerant, weighted towards meaningful words, and honest.

Every phrasing is reduced to canonical words (see ``text_norm``). A question's words are
spell-corrected against the knowledge vocabulary with rapidfuzz, then entries are scored by an
IDF-weighted overlap in both directions: how much of the question the entry covers (a question full
of words the knowledge never uses cannot score high) and how much of its best phrasing the question
covers. Unknown words weigh more in a question that names no role, which keeps off-topic questions
that share one word with the knowledge ("is the api down?") out.

Only entries that can still reach the top are scored (`_Walk`): each word keeps its entries ordered
by the most the word can add to an entry's precision, and the walk down those lists stops once
nothing left can beat the entries already ranked. Words like "pm" that are in nearly every entry
would otherwise make every question score the whole base. The ranking, scores included, is the
same as scoring every entry that shares a word with the question.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from heapq import heapify, heappop, heappush, heapreplace
from itertools import chain, islice
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
_FIRST_VISITS = 48
_BATCH = 8
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
    """The entries holding one word, in the order `_Walk` visits them.

    First the `strong` entries with the word in a phrasing, by `reach` descending (the entry's
    `_Entry.reach` for the word: what the word can add to its precision); then the entries with
    the word only in their answer, by entry number, since those all score 0.
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
        walk = _Walk(self._entries, self._impacts, query, crowded=len(self._entries) // 2)
        return walk.run()


def _recall(item: _Entry, query: dict[str, float], total: float) -> float:
    covered = sum(
        weight * (1.0 if word in item.strong else WEAK_COVERAGE if word in item.weak else 0.0)
        for word, weight in query.items()
    )
    return covered / total


def _score(item: _Entry, query: dict[str, float], recall: float, hits: set[str]) -> float:
    """The entry's score; `hits` are the question's words in its phrasings. With one hit, the
    phrasing loop would find exactly that word's reach, so it is skipped."""
    if len(hits) == 1:
        precision = item.reach[next(iter(hits))]
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


class _Walk:
    """One question's walk down its words' `_Impacts` lists; `run` gives the same top `_KEEP`
    (by score, then entry number) as scoring every entry that shares a word with the question.

    Each list has a cursor; entries before it have been visited. An entry not visited yet sits
    at or after the cursor of every list holding it, so the cursors bound what it can score:
    its precision is at most the sum of its words' reach (`_Entry.reach`), its recall at most the
    weights of the words it can hold. Once that bound is below the `_KEEP`-th best score, nothing
    unvisited can enter the top. A visited entry is only scored in full when its own bound
    (from its own reach) can enter the top.

    `_by_sum` walks first, bounding precision by the sum of all cursors' reach. That sum is loose
    when a long question's words are all common; `_by_max` then visits the entries holding two
    or more of the question's uncrowded words (words in at most `crowded` entries; the tally
    runs at C speed) so that every entry left holds at most one of them, and walks on with the
    maximum over those words instead of the sum (crowded words like "pm" are still summed),
    `_BATCH` entries of one list at a time.
    Entries holding the words only in their answer score exactly 0; `_ties_at_zero` settles the
    top when fewer than `_KEEP` entries score above 0.
    """

    def __init__(
        self,
        entries: tuple[_Entry, ...],
        impacts: dict[str, _Impacts],
        query: dict[str, float],
        *,
        crowded: int,
    ) -> None:
        self.entries = entries
        self.query = query
        self.total = sum(query.values())
        self.anchored = 1.0 if ANCHORS & query.keys() else UNANCHORED
        self.lists = [impacts[w] for w in query if w in impacts]
        self.weights = [query[w] for w in query if w in impacts]
        self.known = sum(self.weights)
        self.cursors = [0] * len(self.lists)
        self.crowded = crowded
        self.seen: set[int] = set()
        self.scores: dict[int, float] = {}
        self.top: list[float] = []

    def run(self) -> list[tuple[int, float]]:
        if not self._by_sum():
            self._by_max()
        if not (len(self.top) == _KEEP and self.top[0] > 0.0):
            self._ties_at_zero()
        return sorted(self.scores.items(), key=lambda item: (-item[1], item[0]))

    def _bound(self, *, covered: float, reach: float) -> float:
        recall = min(1.0, covered / self.total)
        return self.anchored * 100 * recall**RECALL_EXP * min(1.0, reach) ** PRECISION_EXP

    def _beaten(self, *, covered: float, reach: float) -> bool:
        top = self.top
        return (
            len(top) == _KEEP and self._bound(covered=covered, reach=reach) * _BOUND_SLACK < top[0]
        )

    def _visit(self, index: int) -> None:
        self.seen.add(index)
        item = self.entries[index]
        query = self.query
        hits = item.reach.keys() & query.keys()
        top = self.top
        if len(top) == _KEEP:
            reach = item.reach
            held = shared = 0.0
            for word in hits:
                held += query[word]
                shared += reach[word]
            covered = held + WEAK_COVERAGE * (self.known - held)
            if self._bound(covered=covered, reach=shared) * _BOUND_SLACK < top[0]:
                return
        value = self.anchored * _score(item, query, _recall(item, query, self.total), hits)
        self.scores[index] = value
        if len(top) < _KEEP:
            heappush(top, value)
        elif value > top[0]:
            heapreplace(top, value)

    def _step(self, n: int) -> int:
        """Visit the next unvisited entry holding list n's word in a phrasing; the new cursor."""
        impacts = self.lists[n]
        at = self.cursors[n]
        while at < impacts.strong and impacts.ids[at] in self.seen:
            at += 1
        if at < impacts.strong:
            self._visit(impacts.ids[at])
            at += 1
        self.cursors[n] = at
        return at

    def _coverage(self) -> float:
        """The most recall weight an unvisited entry can hold (any word in a phrasing)."""
        return sum(
            weight if at < impacts.strong else weight * WEAK_COVERAGE
            for impacts, weight, at in zip(self.lists, self.weights, self.cursors, strict=True)
            if at < len(impacts.ids)
        )

    def _by_sum(self) -> bool:
        """Walk by the largest reach first; True when done, False after `_FIRST_VISITS`."""
        queue = [
            (-impacts.reach[at], n)
            for n, (impacts, at) in enumerate(zip(self.lists, self.cursors, strict=True))
            if at < impacts.strong
        ]
        heapify(queue)
        covered = self._coverage()
        for _ in range(_FIRST_VISITS):
            if not queue or self._beaten(covered=covered, reach=-sum(r for r, _ in queue)):
                return True
            n = heappop(queue)[1]
            at = self._step(n)
            if at < self.lists[n].strong:
                heappush(queue, (-self.lists[n].reach[at], n))
            else:
                covered = self._coverage()
        return not queue or self._beaten(covered=covered, reach=-sum(r for r, _ in queue))

    def _by_max(self) -> None:
        live = [n for n, impacts in enumerate(self.lists) if self.cursors[n] < impacts.strong]
        counted = [n for n in live if len(self.lists[n].ids) <= self.crowded]
        crowded = [n for n in live if len(self.lists[n].ids) > self.crowded]
        tally = Counter(
            chain.from_iterable(
                self.lists[n].ids[self.cursors[n] : self.lists[n].strong] for n in counted
            )
        )
        seen = self.seen
        for index in [i for i, held in tally.items() if held > 1 and i not in seen]:
            self._visit(index)
        while True:
            open_weight = sum(
                weight
                for impacts, weight, at in zip(self.lists, self.weights, self.cursors, strict=True)
                if at < len(impacts.ids)
            )
            crowd_weight = crowd_reach = crowd_lead_reach = 0.0
            crowd_lead = -1
            for n in crowded:
                at = self.cursors[n]
                if at < self.lists[n].strong:
                    crowd_weight += self.weights[n]
                    crowd_reach += self.lists[n].reach[at]
                    if self.lists[n].reach[at] > crowd_lead_reach:
                        crowd_lead, crowd_lead_reach = n, self.lists[n].reach[at]
            rest = open_weight - crowd_weight
            lead = -1
            if not self._beaten(covered=crowd_weight + WEAK_COVERAGE * rest, reach=crowd_reach):
                lead = crowd_lead
            best = -1.0
            for n in counted:
                at = self.cursors[n]
                if at >= self.lists[n].strong:
                    continue
                weight, reach = self.weights[n], self.lists[n].reach[at]
                covered = crowd_weight + weight + WEAK_COVERAGE * (rest - weight)
                if reach > best and not self._beaten(covered=covered, reach=crowd_reach + reach):
                    best = reach
                    lead = n if reach >= crowd_lead_reach or crowd_lead < 0 else crowd_lead
            if lead < 0:
                return
            for _ in range(_BATCH):
                if self._step(lead) >= self.lists[lead].strong:
                    break

    def _ties_at_zero(self) -> None:
        """Every unvisited entry holds the words only in its answer and scores exactly 0; the
        first few of each list's answer-only part have the lowest entry numbers."""
        for impacts in self.lists:
            rest = (i for i in impacts.ids[impacts.strong :] if i not in self.seen)
            for index in list(islice(rest, _KEEP)):
                self._visit(index)


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
        )
    return impacts
