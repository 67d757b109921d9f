"""The matcher's ranking the exhaustive way: score every entry that shares a word with the
question, as bot/answers/matcher.py did before it walked impact-ordered lists.

The scaling benchmark times it as the baseline and checks that the matcher's top entries and
scores are exactly the same. It reads the matcher's private index (entries, IDF), so a change
there shows up here first, in tests/test_bench_smoke.py.
"""

from __future__ import annotations

from bot.answers import matcher as matching
from bot.answers.matcher import Matcher


class Exhaustive:
    """Every entry sharing a word with the question scored, for one built matcher."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        postings: dict[str, list[int]] = {}
        for index, item in enumerate(matcher._entries):
            for word in item.strong | item.weak:
                postings.setdefault(word, []).append(index)
        self.postings = {word: tuple(ids) for word, ids in postings.items()}

    def top(self, question: str) -> list[tuple[int, float]]:
        """The top entries (index, raw score) for the question."""
        matcher = self.matcher
        query = matcher._query_words(question[: matching.MAX_QUESTION_CHARS])
        if not query:
            return []
        total = sum(query.values())
        anchored = 1.0 if matching.ANCHORS & query.keys() else matching.UNANCHORED
        candidates = {i for word in query for i in self.postings.get(word, ())}
        scores = {
            i: anchored * _score(matcher, matcher._entries[i], query, total) for i in candidates
        }
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return ranked[: matching.MAX_ALTERNATIVES + 1]


def _score(matcher: Matcher, item: matching._Entry, query: dict[str, float], total: float) -> float:
    covered = sum(
        weight
        * (1.0 if word in item.strong else matching.WEAK_COVERAGE if word in item.weak else 0.0)
        for word, weight in query.items()
    )
    recall = covered / total
    precision = 0.0
    for phrasing in item.phrasings:
        shared = sum(matcher._idf[w] for w in phrasing.words if w in query)
        if phrasing.weight:
            precision = max(precision, shared / phrasing.weight)
    score: float = 100 * recall**matching.RECALL_EXP * precision**matching.PRECISION_EXP
    if item.compares and matching._one_role(query.keys()):
        score *= matching.ONE_ROLE
    for move, opposite in matching._OPPOSITE_MOVES:
        if move in query and opposite in item.strong and move not in item.strong:
            score *= 0.5
    return score


def walked_top(matcher: Matcher, question: str) -> list[tuple[int, float]]:
    """The same, from the matcher's own walk."""
    query = matcher._query_words(question[: matching.MAX_QUESTION_CHARS])
    if not query:
        return []
    return matcher._ranked(query)[: matching.MAX_ALTERNATIVES + 1]
