"""Question to knowledge entry: typo-tolerant, weighted towards meaningful words, and honest.

Every phrasing is reduced to canonical words (see ``text_norm``). A question's words are
spell-corrected against the knowledge vocabulary with rapidfuzz, then entries are scored by an
IDF-weighted overlap in both directions: how much of the question the entry covers (a question full
of words the knowledge never uses cannot score high) and how much of its best phrasing the question
covers. Unknown words weigh more in a question that names no role, which keeps off-topic questions
that share one word with the knowledge ("is the api down?") out.

Only entries that can still reach the top are scored. Each entry's score is bounded from above by
what the words it holds can add (each word keeps its entries ordered by the most it can add to an
entry's precision), and entries are visited best bound first until nothing left can beat the
entries already ranked. Words like "pm" that are in nearly every entry (`_Crowd`) would otherwise
make every question score the whole base. Two ways do this: `_ranked_directly` bounds every
candidate holding the question's less common words, which is cheapest while those words sit in few
phrasings (always, for the bundled base); `_Walk` walks down the words' lists and stops early,
which keeps large bases sublinear. Either way the ranking, scores included, is the same as scoring
every entry that shares a word with the question: exact scores come from one place
(`_Question.score`), computed term by term in the order they always were.

Around the ranking: a message is first read for its focus (`bot.answers.focus`: the asking sentences
weigh 1, later questions 0.75, context 0.2), and questions and phrasings alike are rewritten with
the concept vocabulary (`bot.answers.concepts`, knowledge/concepts.yml). The verdict is calibrated
(`Matcher._verdict`): `answer` needs a clear score and a lead over other topics' entries, or a
fair score in the topic the question's concepts point to; a question about a subject the
concepts mark as outside is never answered; a role question with weak evidence still gets
"did you mean" choices, varied across topics; and each other question of a message is matched
on its own and offered (`MatchResult.others`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from heapq import heapify, heappop, heappush, heapreplace
from itertools import chain, islice
from operator import itemgetter
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.answers.concepts import EMPTY, Concepts
from bot.answers.focus import CONTEXT_WEIGHT, Focus, read
from bot.answers.text_norm import STOPWORDS, canonical_words, clean_words, stem
from bot.knowledge.model import FaqEntry, Knowledge

Verdict = Literal["answer", "suggest", "none"]

MAX_QUESTION_CHARS = 1200
ANSWER_AT = 56.0
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
STRONG = 80.0
"""A score that answers even against the topics the question's concepts point to."""
MARGIN = 5.0
"""An answer needs this lead over the best entry of another topic when the question's concepts
point to the best entry's topic (`UNAGREED_MARGIN` when they point nowhere)."""
NEAR_EXACT = 95.0
"""A score only a question worded nearly as one of the entry's phrasings reaches."""
UNAGREED_MARGIN = 7.0
"""The lead an answer needs when the question's concepts point to no topic: with nothing but
shared words to go on, a near tie between two topics is a guess (measured on real questions,
answers with a lead of 5 to 7 were right little more than half the time)."""
AGREED_SHARE = 0.78
"""A best entry in the topic the question's concepts point to is answered from this share of
`ANSWER_AT` (about 44)."""
NEAR_AT = 20.0
"""The least score at which a role question's closest entries are offered ("did you mean")."""
CONCEPT_NEAR_AT = 25.0
"""The same for a question that names no role but asks about one of the concepts' topics."""
_ROLES = frozenset({"pm", "tpm", "pgm", "tpgm", "pm2tpm", "tpm2pm", "projectmanager"})
_ROLE_WORD = "role"
"""A message about "the two roles" names them without a role's name."""
_TOPIC_EVIDENCE = 0.5
"""An entry of the asked topic is offered when it scores at least this share of `SUGGEST_AT`."""
ONE_ROLE = 0.8
LEAD_AT = 95.0
"""A score at which one asking sentence of several is answered on its own (see `_lead`)."""
OTHER_TOPIC = 0.95
"""An entry's share of its score when the question's concepts point to topics and the entry is
in none of them: a near tie goes to the entry of the asked topic ("how much do project managers
make" is about pay, not about project managers)."""
OTHER_ROLE = 0.8
"""An entry about the other role's share of its score for a question about one of PM and TPM:
"pm" and "tpm" are in nearly every entry, so by IDF alone they weigh next to nothing and the
other role's entry on the same subject would rank as high."""
_PM_ROLES = ("pm", "tpm")
"""A comparison entry's share of its score for a question that asks about one role only."""
_FIRST_VISITS = 48
_BATCH = 8
_BOUND_SLACK = 1 + 1e-9
# `_ranked_directly` while the question's uncrowded words sit in at most this many phrasings in
# all (measured: it is the faster way up to about this on 1,000 entries; the bundled base stays
# well under it); `_Walk` beyond.
_DIRECT_UP_TO = 200
_OPPOSITE_MOVES = (("pm2tpm", "tpm2pm"), ("tpm2pm", "pm2tpm"))
_MOVES = frozenset(move for move, _ in _OPPOSITE_MOVES)
ANCHORS = frozenset(
    {"pm", "tpm", "pgm", "tpgm", "product", "technical", "role", "pm2tpm", "tpm2pm"}
)


_Solo = tuple[dict[str, float], set[str], list[tuple[int, float]]]
"""One asking sentence matched on its own: its words, its asking words, its ranking."""


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
    others: tuple[Candidate, ...] = ()
    """Answers to the message's other questions, when it asks several."""

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
    places: dict[str, int]
    """For each phrasing word, the phrasings holding it (bit n: `phrasings[n]`, which are
    ordered lightest first)."""
    compares: bool = False
    """Every phrasing compares (two roles, or "difference"): a comparison entry."""


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


@dataclass(frozen=True, slots=True)
class _Crowd:
    """The words in the phrasings of more than half the entries ("pm", "tpm"), for
    `_ranked_directly`: they would make nearly every entry hold two of a question's words."""

    words: frozenset[str]
    reach: tuple[float, ...]
    """For each entry, the sum of its crowded words' reach: the most they add to its precision."""
    order: tuple[int, ...]
    """The entries holding a crowded word in a phrasing, by `reach` descending."""


class Matcher:
    """Built once per knowledge base; `match` is then a pure function of the question."""

    @classmethod
    def of(
        cls,
        knowledge: Knowledge,
        *,
        margin: float = MARGIN,
        unagreed_margin: float = UNAGREED_MARGIN,
    ) -> Matcher:
        """The matcher as the app builds it: the FAQ entries, read with the concept vocabulary
        (the margins are settable so that `make eval` can show what they trade)."""
        return cls(
            knowledge.entries,
            concepts=Concepts(knowledge.concepts),
            margin=margin,
            unagreed_margin=unagreed_margin,
        )

    def __init__(
        self,
        entries: Iterable[FaqEntry],
        *,
        answer_at: float = ANSWER_AT,
        suggest_at: float = SUGGEST_AT,
        concepts: Concepts = EMPTY,
        margin: float = MARGIN,
        unagreed_margin: float = UNAGREED_MARGIN,
    ) -> None:
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self.concepts = concepts
        self.answer_at = answer_at
        self.suggest_at = suggest_at
        self.margin = margin
        self.unagreed_margin = unagreed_margin
        raw_vocab: set[str] = set()
        parsed: list[tuple[frozenset[str], frozenset[str], list[frozenset[str]]]] = []
        for entry in self.entries:
            phrasings: list[frozenset[str]] = []
            for text in (entry.question, *entry.phrasings):
                cleaned = clean_words(text)
                raw_vocab.update(w for w in cleaned if len(w) >= 4 and w not in STOPWORDS)
                words = frozenset(canonical_words(concepts.rewrite(cleaned)))
                if words:
                    phrasings.append(words)
            answer_words = clean_words(entry.answer)
            raw_vocab.update(w for w in answer_words if len(w) >= 4 and w not in STOPWORDS)
            strong = frozenset().union(*phrasings)
            weak = frozenset(canonical_words(concepts.rewrite(answer_words))) - strong
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
        self._crowd = _crowd(self._entries, self._impacts)
        concept_words = {w for w in concepts.words if len(w) >= 4}
        self._vocab = tuple(
            sorted(raw_vocab | concept_words | {w for w in STOPWORDS if len(w) >= 5})
        )
        self._known = frozenset(raw_vocab) | frozenset(frequency)
        # Words a question may use as they are; `_query_words` looks at the others.
        self._plain = self._known | STOPWORDS | concepts.words
        self._corrections: dict[str, str | None] = {}
        self._comparing = frozenset(
            index
            for index, (_, _, phrasings) in enumerate(parsed)
            if phrasings and all(_compares(words) for words in phrasings)
        )
        self._moving = frozenset(
            index
            for index, (_, _, phrasings) in enumerate(parsed)
            if any(not _MOVES.isdisjoint(words) for words in phrasings)
        )
        self._role = tuple(_role_of(phrasings) for _, _, phrasings in parsed)
        self._index_of = {entry.id: index for index, entry in enumerate(self.entries)}
        by_topic: dict[str, list[int]] = {}
        for index, entry in enumerate(self.entries):
            by_topic.setdefault(entry.topic, []).append(index)
        self._by_topic = {topic: tuple(found) for topic, found in by_topic.items()}

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
        """The weights of one text's words, all of it asking (see `_query`)."""
        return self._query([(text, 1.0)])[0]

    def _query(self, parts: list[tuple[str, float]]) -> tuple[dict[str, float], set[str]]:
        """Canonical question words with their weights: each part's words count by the part's
        factor (see `focus`), typo fixes count a little less, a word keeps its best weight;
        and the words of the asking parts (factor above `CONTEXT_WEIGHT`)."""
        raws = [clean_words(text)[:60] for text, _ in parts]
        fixes: dict[str, str] = {}
        corrected: set[str] = set()
        plain = self._plain
        for raw in raws:
            for word in [word for word in raw if word not in plain]:
                if word in fixes or word.isdigit() or stem(word) in self._idf:
                    continue
                replacement = self._correct(word)
                if replacement is not None:
                    fixes[word] = replacement
                    corrected.add(replacement)
        corrected_canon = set(canonical_words(list(corrected))) if corrected else set()
        rewrite = self.concepts.rewrite
        canon = [
            canonical_words(rewrite([fixes.get(w, w) for w in raw] if fixes else raw))
            for raw in raws
        ]
        anchored = any(not ANCHORS.isdisjoint(words) for words in canon)
        unknown = UNKNOWN_ANCHORED if anchored else self._unknown_idf
        idf = self._idf
        weights: dict[str, float] = {}
        focal: set[str] = set()
        for words, (_, factor) in zip(canon, parts, strict=True):
            if factor > CONTEXT_WEIGHT:
                focal.update(words)
            for word in words:
                weight = idf.get(word)
                if weight is None:
                    if word.isdigit():
                        continue  # "a 5-person team": the number says nothing about the topic
                    weight = unknown
                elif weight < MIN_WEIGHT:
                    weight = MIN_WEIGHT
                if corrected_canon and word in corrected_canon:
                    weight *= _CORRECTED_WEIGHT
                weight *= factor
                if word not in weights or weight > weights[word]:
                    weights[word] = weight
        return weights, focal

    def match(self, question: str) -> MatchResult:
        truncated = len(question) > MAX_QUESTION_CHARS
        text = question[:MAX_QUESTION_CHARS] if truncated else question
        focus = read(text)
        query, focal = self._query(focus.weighted())
        if not query:
            return MatchResult(question, "none", None, (), truncated)
        ranked = self._ranked(query)
        solo = self._solo(focus) if focus.several else []
        if solo and ranked:
            lead = self._lead(solo, ranked[0][1])
            if lead is not None:
                query, focal, ranked = lead
        role = _asked_role(focal)
        if role is not None:
            ranked = self._prefer_role(ranked, role)
        topics = self._asked_topics(focal)
        if topics and ranked:
            ranked = self._prefer_topics(ranked, topics)
        # A message whose asking part names a role is a role question: its closest entries are
        # offered on less evidence than those of a message that names none; one that asks about
        # a concept of our topics (pay, hiring, careers...), or names a role only in its
        # context, on a little more.
        floor = self.suggest_at
        if not _ROLES.isdisjoint(focal):
            floor = min(self.suggest_at, NEAR_AT)
        elif topics or not _ROLES.isdisjoint(query):
            floor = min(self.suggest_at, CONCEPT_NEAR_AT)
        if not ranked or ranked[0][1] < floor:
            best = Candidate(self.entries[ranked[0][0]], round(ranked[0][1], 1)) if ranked else None
            return MatchResult(question, "none", best, (), truncated)
        best = Candidate(self.entries[ranked[0][0]], round(ranked[0][1], 1))
        alternatives: list[Candidate] = []
        for index, score in ranked[1:_KEEP]:
            if score < self.suggest_at - 0.1:  # cannot round up to it; neither can the rest
                break
            shown = round(score, 1)
            if shown >= self.suggest_at:
                alternatives.append(Candidate(self.entries[index], shown))
        if topics and best.entry.topic not in topics:
            alternatives = self._with_topic(query, ranked, topics, alternatives)
        verdict = self._verdict(best, alternatives, topics, focal, query)
        top = ranked[0][0]
        if (
            verdict == "answer"
            and (top in self._comparing or top in self._moving)
            and _one_role(query.keys())
        ):
            # A question about one role is not answered by a comparison, nor by a move between
            # the two roles: "can I become a PM?" is not "can a PM become a TPM?".
            verdict = "suggest"
        if verdict == "suggest":
            alternatives = _varied(best, alternatives, self.entries, ranked, floor)
        others = self._others(solo, best) if solo else ()
        return MatchResult(question, verdict, best, tuple(alternatives), truncated, others)

    def _solo(self, focus: Focus) -> list[_Solo]:
        """Each asking sentence of a message matched on its own (the first few): for `_lead`
        and `_others`."""
        found: list[_Solo] = []
        for sentence in focus.asking[: MAX_ALTERNATIVES + 1]:
            query, focal = self._query([(sentence, 1.0)])
            if query:
                found.append((query, focal, self._ranked(query)))
        return found

    @staticmethod
    def _lead(solo: list[_Solo], combined: float) -> _Solo | None:
        """The first asking sentence that an entry answers clearly on its own (`LEAD_AT`) and
        better than the whole message. A message that asks "What do PMs do? And what is
        'product' in the title?" is answered for its first question rather than for the blend
        of both."""
        for query, focal, ranked in solo:
            if ranked and ranked[0][1] >= LEAD_AT and ranked[0][1] > combined:
                return query, focal, ranked
        return None

    def _prefer_topics(
        self, ranked: list[tuple[int, float]], topics: frozenset[str]
    ) -> list[tuple[int, float]]:
        """The ranking with entries outside the asked topics lowered (`OTHER_TOPIC`)."""
        entries = self.entries
        if all(entries[index].topic in topics for index, _ in ranked[:_KEEP]):
            return ranked
        lowered = [
            (index, score if entries[index].topic in topics else score * OTHER_TOPIC)
            for index, score in ranked
        ]
        return sorted(lowered, key=lambda item: (-item[1], item[0]))

    def _prefer_role(self, ranked: list[tuple[int, float]], role: str) -> list[tuple[int, float]]:
        """The ranking with entries about the other role lowered (`OTHER_ROLE`)."""
        roles = self._role
        if all(roles[index] in (None, role) for index, _ in ranked[:_KEEP]):
            return ranked
        lowered = [
            (index, score if roles[index] in (None, role) else score * OTHER_ROLE)
            for index, score in ranked
        ]
        return sorted(lowered, key=lambda item: (-item[1], item[0]))

    def outside(self, question: str) -> bool:
        """True when the question names a subject the concepts mark as outside RoleFit's."""
        outside = self.concepts.outside
        if not outside:
            return False
        words = self.concepts.rewrite(clean_words(question[:MAX_QUESTION_CHARS]))
        return not outside.isdisjoint(words)

    def _asked_topics(self, focal: set[str]) -> frozenset[str]:
        """The topics the asking part's concepts point to (empty: no such concept)."""
        topics = self.concepts.topics
        found = [topics[w] for w in focal if w in topics]
        return frozenset().union(*found) if found else frozenset()

    def _with_topic(
        self,
        query: dict[str, float],
        ranked: list[tuple[int, float]],
        topics: frozenset[str],
        alternatives: list[Candidate],
    ) -> list[Candidate]:
        """The alternatives with the best entry of an asked topic first, when one has evidence."""
        question = _Question(query, self._idf)
        best_index, best_score = -1, self.suggest_at * _TOPIC_EVIDENCE
        first = ranked[0][0]
        for topic in sorted(topics):
            for index in self._by_topic.get(topic, ()):
                item = self._entries[index]
                hits = item.reach.keys() & query.keys()
                if not hits or index == first:
                    continue
                score = question.score(
                    item, question.recall(item), _precision(item, question, hits)
                )
                if score > best_score or (score == best_score and index < best_index):
                    best_index, best_score = index, score
        if best_index < 0:
            return alternatives
        pick = Candidate(self.entries[best_index], round(best_score, 1))
        rest = [c for c in alternatives if c.entry.id != pick.entry.id]
        return [pick, *rest][:MAX_ALTERNATIVES]

    def _verdict(
        self,
        best: Candidate,
        alternatives: list[Candidate],
        topics: frozenset[str],
        focal: set[str],
        query: dict[str, float],
    ) -> Verdict:
        """`answer` only on clear evidence: a high score, or a fair one whose topic is the one
        the asking part's concepts point to; never against those concepts, never for a
        question about a subject outside what RoleFit covers (declined unless an entry fits
        well, which is then offered), and never for a message that names no role and asks about
        none of the concepts' topics, unless it is worded nearly as the entry: "how do I
        prioritise my backlog?" shares words with an entry on who owns the backlog, but asks
        about the craft, not the roles."""
        outside = self.concepts.outside
        if (
            not topics
            and _ROLES.isdisjoint(query)
            and _ROLE_WORD not in query
            and best.score < NEAR_EXACT
        ):
            return "suggest"  # names no role and asks about none of our concepts: craft, not role
        if not outside.isdisjoint(focal) and best.score < self.suggest_at:
            return "none"
        if not outside.isdisjoint(query):
            return "suggest"
        if topics and best.entry.topic not in topics and best.score < STRONG:
            return "suggest"
        rival = next(
            (
                c
                for c in alternatives
                if c.entry.topic != best.entry.topic and self._could_answer(c, query)
            ),
            None,
        )
        margin = self.margin if topics else self.unagreed_margin
        if rival is not None and best.score < STRONG and best.score - rival.score < margin:
            return "suggest"
        if best.score >= self.answer_at:
            return "answer"
        if topics and best.score >= self.answer_at * AGREED_SHARE:
            return "answer"
        return "suggest"

    def _could_answer(self, candidate: Candidate, query: dict[str, float]) -> bool:
        """False for an entry the question could never be answered from: a comparison of the
        two roles, or a move between them, for a question about one role. Such an entry is
        no rival to the best one."""
        if not _one_role(query.keys()):
            return True
        index = self._index_of[candidate.entry.id]
        return index not in self._comparing and index not in self._moving

    def _others(self, solo: list[_Solo], best: Candidate) -> tuple[Candidate, ...]:
        """The best entry for each other asking sentence, when it is clear on its own."""
        seen = {best.entry.id}
        found: list[Candidate] = []
        for _, _, ranked in solo:
            if not ranked or ranked[0][1] < self.answer_at:
                continue
            entry = self.entries[ranked[0][0]]
            if entry.id not in seen:
                seen.add(entry.id)
                found.append(Candidate(entry, round(ranked[0][1], 1)))
        return tuple(found[:MAX_ALTERNATIVES])

    def _ranked(self, query: dict[str, float]) -> list[tuple[int, float]]:
        """Entries by score, then entry number; the first `_KEEP` are exactly the top."""
        question = _Question(query, self._idf)
        impacts = self._impacts
        lists = [(word, impacts[word], weight) for word, weight, _ in question.terms]
        crowded = self._crowd.words
        if sum([held.strong for word, held, _ in lists if word not in crowded]) <= _DIRECT_UP_TO:
            return _ranked_directly(self._entries, lists, question, self._crowd)
        walk = _Walk(self._entries, impacts, question, crowded=len(self._entries) // 2)
        return walk.run()


_COMPARING = frozenset({"difference", "versus"})


def _compares(words: Collection[str]) -> bool:
    """Words that compare: two roles, or a word like "difference" or "versus"."""
    return len(_ROLES.intersection(words)) > 1 or not _COMPARING.isdisjoint(words)


def _role_of(phrasings: list[frozenset[str]]) -> str | None:
    """ "pm" or "tpm" when more than half of an entry's phrasings name that role and no other."""
    for role in _PM_ROLES:
        alone = sum(1 for words in phrasings if _ROLES.intersection(words) == {role})
        if alone * 2 > len(phrasings):
            return role
    return None


def _asked_role(focal: Collection[str]) -> str | None:
    """ "pm" or "tpm" when the asking part names that role and no other, without comparing."""
    named = _ROLES.intersection(focal)
    if len(named) == 1 and _COMPARING.isdisjoint(focal):
        role = next(iter(named))
        return role if role in _PM_ROLES else None
    return None


def _one_role(words: Collection[str]) -> bool:
    """The words name exactly one role and do not compare."""
    return len(_ROLES.intersection(words)) == 1 and _COMPARING.isdisjoint(words)


def _varied(
    best: Candidate,
    alternatives: list[Candidate],
    entries: tuple[FaqEntry, ...],
    ranked: list[tuple[int, float]],
    floor: float,
) -> list[Candidate]:
    """ "Did you mean" choices: the alternatives and the next-ranked entries above `floor`,
    preferring topics not offered yet, so that three choices cover as many readings as they
    can; the order among equals stays the ranking's."""
    pool = list(alternatives)
    held = {best.entry.id, *(c.entry.id for c in pool)}
    for index, score in ranked[1:]:
        if score < floor:
            break
        if entries[index].id not in held:
            held.add(entries[index].id)
            pool.append(Candidate(entries[index], round(score, 1)))
    seen = {best.entry.topic}
    fresh: list[Candidate] = []
    again: list[Candidate] = []
    for candidate in pool:
        if candidate.entry.topic in seen:
            again.append(candidate)
        else:
            seen.add(candidate.entry.topic)
            fresh.append(candidate)
    return [*fresh, *again][:MAX_ALTERNATIVES]


class _Question:
    """One question's weighted words and what every entry's score for it shares.

    The score is computed exactly as it always was, term by term in the same order, so the
    floats are identical whichever path (`_Walk` or `_ranked_directly`) asks for them. It comes
    in two steps, recall first, so that the recall can tighten a bound before the precision
    (the costlier part) is computed.
    """

    __slots__ = ("anchored", "idf", "moves", "single", "terms", "total", "weights")

    def __init__(self, weights: dict[str, float], idf: dict[str, float]) -> None:
        self.weights = weights
        self.idf = idf
        # What each known word adds to an entry's recall: held in a phrasing, or in the answer.
        # Other words add 0.0, which changes no sum.
        self.terms = [
            (word, weight, weight * WEAK_COVERAGE)
            for word, weight in weights.items()
            if word in idf
        ]
        self.total = sum(weights.values())
        self.anchored = UNANCHORED if ANCHORS.isdisjoint(weights) else 1.0
        self.moves = (
            [] if _MOVES.isdisjoint(weights) else [m for m in _OPPOSITE_MOVES if m[0] in weights]
        )
        self.single = _one_role(weights)

    def recall(self, item: _Entry) -> float:
        """100 * recall ** RECALL_EXP: how much of the question the entry covers (answer words
        count a little)."""
        strong, weak = item.strong, item.weak
        covered = sum(
            [
                weight if word in strong else answer if word in weak else 0.0
                for word, weight, answer in self.terms
            ]
        )
        value: float = 100 * (covered / self.total) ** RECALL_EXP
        return value

    def score(self, item: _Entry, recall: float, precision: float) -> float:
        """The entry's score from `recall` and its precision; halved when it is about the
        opposite career move, lowered (`ONE_ROLE`) when it compares roles and the question asks
        about one."""
        score: float = recall * precision**PRECISION_EXP
        if self.single and item.compares:
            score *= ONE_ROLE
        for move, opposite in self.moves:
            if opposite in item.strong and move not in item.strong:
                score *= 0.5
        return self.anchored * score


def _precision(item: _Entry, question: _Question, hits: Collection[str]) -> float:
    """How much of the entry's best phrasing the question covers; `hits` are the question's
    words in its phrasings.

    A phrasing holding one hit covers at most that word's reach, which some phrasing reaches
    exactly, so only the phrasings holding two or more hits are looked at, lightest first (the
    lowest bit of `_Entry.places`), until all hits' weight over the phrasing's cannot beat the
    best so far. Two words add up the same in either order, so a phrasing holding two hits needs
    no summing in its own order, and with two hits only the lightest such phrasing counts.
    Phrasings holding three or more are summed in their order (as the score always was) unless
    their hits' weight cannot beat the best so far.
    """
    reach = item.reach
    if len(hits) == 1:
        return reach[next(iter(hits))]
    places = item.places
    if len(hits) == 2:
        first, second = hits
        precision = reach[first] if reach[first] > reach[second] else reach[second]
        both = places[first] & places[second]
        if both:
            lightest = item.phrasings[(both & -both).bit_length() - 1]
            share = (question.idf[first] + question.idf[second]) / lightest.weight
            if share > precision:
                precision = share
        return precision
    precision = every = 0.0
    seen = shared = 0
    for word in hits:
        if reach[word] > precision:
            precision = reach[word]
        every += question.idf[word]
        held = places[word]
        shared |= seen & held
        seen |= held
    weights = question.weights
    while shared:
        lowest = shared & -shared
        shared ^= lowest
        phrasing = item.phrasings[lowest.bit_length() - 1]
        if every * _BOUND_SLACK / phrasing.weight < precision:
            break  # this phrasing and the heavier ones cannot cover more
        count, most = 0, 0.0
        for word in hits:
            if places[word] & lowest:
                count += 1
                most += question.idf[word]
        if count == 2:
            share = most / phrasing.weight
        elif most * _BOUND_SLACK / phrasing.weight < precision:
            continue
        else:
            share = sum([idf for word, idf in phrasing.terms if word in weights]) / phrasing.weight
        if share > precision:
            precision = share
    return precision


class _Top:
    """Every score computed for one question, and the best `_KEEP` of them (a min-heap)."""

    __slots__ = ("best", "scores")

    def __init__(self) -> None:
        self.scores: dict[int, float] = {}
        self.best: list[float] = []

    def add(self, index: int, value: float) -> None:
        self.scores[index] = value
        best = self.best
        if len(best) < _KEEP:
            heappush(best, value)
        elif value > best[0]:
            heapreplace(best, value)

    def beats(self, bound: float) -> bool:
        """True when the top is full and nothing scoring at most `bound` can enter it; the
        slack keeps float rounding in the bound from ever dropping a tie."""
        best = self.best
        return len(best) == _KEEP and bound * _BOUND_SLACK < best[0]

    def settled(self) -> bool:
        """False while fewer than `_KEEP` entries score above 0 (see `_ties_at_zero`)."""
        return len(self.best) == _KEEP and self.best[0] > 0.0

    def ranked(self) -> list[tuple[int, float]]:
        return sorted(self.scores.items(), key=lambda item: (-item[1], item[0]))


def _consider(
    question: _Question, top: _Top, index: int, item: _Entry, hits: Collection[str]
) -> None:
    """Score the entry unless its exact recall and the sum of its hits' reach (which bounds its
    precision) show it cannot enter the top."""
    recall = question.recall(item)
    best = top.best
    if len(best) == _KEEP:
        reach = 0.0
        for word in hits:
            reach += item.reach[word]
        bound = question.anchored * recall * min(1.0, reach) ** PRECISION_EXP
        if bound * _BOUND_SLACK < best[0]:
            return
    top.add(index, question.score(item, recall, _precision(item, question, hits)))


def _ranked_directly(
    entries: tuple[_Entry, ...],
    lists: list[tuple[str, _Impacts, float]],
    question: _Question,
    crowd: _Crowd,
) -> list[tuple[int, float]]:
    """`_Walk`'s ranking, cheaper when the question's words sit in few phrasings in all.

    Entries are visited best bound first, until the best bound left cannot enter the top. A
    bound is what an entry can score at most: its recall is at most what the words it holds in
    its phrasings weigh plus the answer-word share of the rest, its precision at most the sum of
    their reach (`_Entry.reach`). A tally of the question's uncrowded words (see `_Crowd`) sorts
    the candidates into three kinds:
    - entries holding one, when the question has no crowded words: that word's reach is their
      precision;
    - other entries holding one or more: each bounded from the words it holds;
    - entries holding crowded words only: already in bound order (`_Crowd.order`, bounded by
      what all crowded words can add), taken as the walk needs them.
    A visit first computes the exact recall, which tightens the bound, then the precision.
    Entries holding the words only in their answer score 0 (see `_Walk._ties_at_zero`).
    """
    weights = question.weights
    known = crowded = 0.0
    few: list[tuple[_Impacts, float]] = []
    for word, held, weight in lists:
        known += weight
        if word in crowd.words:
            crowded += weight
        else:
            few.append((held, weight))
    tally: dict[int, int] = dict.fromkeys(few[0][0].ids[: few[0][0].strong], 1) if few else {}
    for held, _ in few[1:]:
        for index in held.ids[: held.strong]:
            tally[index] = tally.get(index, 0) + 1
    # The recall bound of an entry holding words of weight w: (rest + kept * w) ** RECALL_EXP.
    anchored = question.anchored
    scale = anchored * 100 / question.total**RECALL_EXP
    rest, kept = WEAK_COVERAGE * known, 1.0 - WEAK_COVERAGE

    # (bound, entry, its precision when known without a visit or -1, its hits)
    bounded: list[tuple[float, int, float, Collection[str]]] = []
    if not crowded:
        for held, weight in few:
            # `reach` covers the phrasing part of `ids` only, so zip stops there.
            most = scale * (rest + kept * weight) ** RECALL_EXP
            bounded += [
                (most * reach**PRECISION_EXP, index, reach, ())
                for index, reach in zip(held.ids, held.reach, strict=False)
                if tally[index] == 1
            ]
    for index, count in tally.items():
        if count > 1 or crowded:
            reaches = entries[index].reach
            holding = shared = 0.0
            found: list[str] = []
            for word, _, weight in lists:
                if word in reaches:
                    holding += weight
                    shared += reaches[word]
                    found.append(word)
            if shared > 1.0:
                shared = 1.0
            most = scale * (rest + kept * holding) ** RECALL_EXP
            bounded.append((most * shared**PRECISION_EXP, index, -1.0, found))
    bounded.sort(key=itemgetter(0), reverse=True)
    bounded.append((-1.0, -1, -1.0, ()))

    # `following`: the bound of the next entry holding crowded words only, or -1.
    crowd_reach = crowd.reach
    order = crowd.order if crowded else ()
    most = scale * (rest + kept * crowded) ** RECALL_EXP
    following = most * min(1.0, crowd_reach[order[0]]) ** PRECISION_EXP if order else -1.0
    at = taken = 0
    scores: dict[int, float] = {}
    best: list[float] = []  # the best _KEEP scores, a min-heap
    hits: Collection[str]
    while True:
        if following > bounded[at][0]:
            if len(best) == _KEEP and following * _BOUND_SLACK < best[0]:
                break
            index = order[taken]
            taken += 1
            following = -1.0
            if taken < len(order):
                following = most * min(1.0, crowd_reach[order[taken]]) ** PRECISION_EXP
            if index in tally:
                continue
            item = entries[index]
            hits = item.reach.keys() & weights.keys()
            if not hits:
                continue
            precision = -1.0
        else:
            bound, index, precision, hits = bounded[at]
            if bound < 0.0 or (len(best) == _KEEP and bound * _BOUND_SLACK < best[0]):
                break
            at += 1
            item = entries[index]
        recall = question.recall(item)
        if precision < 0.0:
            if len(best) == _KEEP:
                reach = 0.0
                for word in hits:
                    reach += item.reach[word]
                if reach > 1.0:
                    reach = 1.0
                if anchored * recall * reach**PRECISION_EXP * _BOUND_SLACK < best[0]:
                    continue
            precision = _precision(item, question, hits)
        value = question.score(item, recall, precision)
        scores[index] = value
        if len(best) < _KEEP:
            heappush(best, value)
        elif value > best[0]:
            heapreplace(best, value)

    if not (len(best) == _KEEP and best[0] > 0.0):
        strong = set(chain.from_iterable(held.ids[: held.strong] for _, held, _ in lists))
        answer_only = {i for _, held, _ in lists for i in held.ids[held.strong :]} - strong
        for index in sorted(answer_only)[:_KEEP]:
            item = entries[index]
            scores[index] = question.score(item, question.recall(item), 0.0)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


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
        question: _Question,
        *,
        crowded: int,
    ) -> None:
        query = question.weights
        self.entries = entries
        self.question = question
        self.query = query
        self.total = question.total
        self.anchored = question.anchored
        self.lists = [impacts[w] for w in query if w in impacts]
        self.weights = [query[w] for w in query if w in impacts]
        self.known = sum(self.weights)
        self.cursors = [0] * len(self.lists)
        self.crowded = crowded
        self.seen: set[int] = set()
        self.top = _Top()

    def run(self) -> list[tuple[int, float]]:
        if not self._by_sum():
            self._by_max()
        if not self.top.settled():
            self._ties_at_zero()
        return self.top.ranked()

    def _bound(self, *, covered: float, reach: float) -> float:
        recall = min(1.0, covered / self.total)
        bound: float = self.anchored * 100 * recall**RECALL_EXP * min(1.0, reach) ** PRECISION_EXP
        return bound

    def _beaten(self, *, covered: float, reach: float) -> bool:
        return self.top.beats(self._bound(covered=covered, reach=reach))

    def _visit(self, index: int) -> None:
        """Visit an entry: first the bound from what its words can hold, then `_consider`'s."""
        self.seen.add(index)
        item = self.entries[index]
        query = self.query
        hits = item.reach.keys() & query.keys()
        if len(self.top.best) == _KEEP:
            reach = item.reach
            held = shared = 0.0
            for word in hits:
                held += query[word]
                shared += reach[word]
            covered = held + WEAK_COVERAGE * (self.known - held)
            if self._beaten(covered=covered, reach=shared):
                return
        _consider(self.question, self.top, index, item, hits)

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
    """The entry's scoring data; phrasings lightest first (see `_precision`)."""
    lightest_first = tuple(sorted(phrasings, key=lambda phrasing: phrasing.weight))
    reach: dict[str, float] = {}
    places: dict[str, int] = {}
    for number, phrasing in enumerate(lightest_first):
        for word, idf in phrasing.terms:
            share = idf / phrasing.weight
            if share > reach.get(word, 0.0):
                reach[word] = share
            places[word] = places.get(word, 0) | 1 << number
    compares = bool(phrasings) and all(_compares(p.words) for p in phrasings)
    return _Entry(strong, weak, lightest_first, reach, places, compares)


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


def _crowd(entries: tuple[_Entry, ...], impacts: dict[str, _Impacts]) -> _Crowd:
    words = frozenset(w for w, held in impacts.items() if held.strong > len(entries) // 2)
    reach = tuple(sum(item.reach.get(word, 0.0) for word in words) for item in entries)
    order = sorted((i for i, r in enumerate(reach) if r > 0.0), key=lambda i: -reach[i])
    return _Crowd(words, reach, tuple(order))
