"""Matcher scaling: time per question, index build time and memory, by knowledge base size.

Sizes: the bundled knowledge base, then synthetic ones grown from it (bench/synthetic_kb.py).
Questions: tests/eval/questions.yml, on- and off-topic. After one untimed pass (which warms
the process-wide caches of text_norm), each timed pass starts with the matcher's
typo-correction cache empty, so every question pays for its own corrections, as a new question
would. The baseline, in the same run, is the exhaustive ranking (bench/matcher_reference.py):
every entry sharing a word with the question scored; its top entries and scores must equal the
matcher's, or the run fails.

Memory is what the built index holds: its object graph (sys.getsizeof over everything it
references, the entries themselves excluded), and tracemalloc's view (retained and peak while
building) for sizes up to TRACE_UP_TO, since tracing the allocations makes a build about five
times slower.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from bench.matcher_reference import Exhaustive, walked_top
from bench.questions import questions
from bench.servers import BenchError
from bench.stats import Timings
from bench.synthetic_kb import synthetic_entries
from bot.answers.concepts import Concepts
from bot.answers.matcher import Matcher
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import FaqEntry

TRACE_UP_TO = 2_000


@cache
def _concepts() -> Concepts:
    return Concepts(load_knowledge().concepts)


def _matcher(entries: Sequence[FaqEntry]) -> Matcher:
    """A matcher as the app builds it: with the bundled concept vocabulary."""
    return Matcher(entries, concepts=_concepts())


@dataclass(frozen=True)
class MatcherSettings:
    sizes: tuple[int, ...]
    """Entry counts; 0 is the bundled knowledge base as it is."""
    passes: int
    reference_questions: int
    """How many questions the exhaustive baseline times (and checks) at sizes over 1,000."""


FULL = MatcherSettings(sizes=(0, 1_000, 10_000), passes=3, reference_questions=48)
QUICK = MatcherSettings(sizes=(0, 200), passes=1, reference_questions=10)


@dataclass(frozen=True)
class SizeResult:
    entries: int
    synthetic: bool
    build_seconds: float
    graph_bytes: int
    traced_bytes: int | None
    traced_peak_bytes: int | None
    questions: int
    passes: int
    per_question: Timings
    exhaustive: Timings
    exhaustive_questions: int
    verdicts: dict[str, int]


def object_graph_bytes(root: object, *, exclude: Iterable[object] = ()) -> int:
    """sys.getsizeof summed over every object reachable from root, each counted once."""
    seen = {id(obj) for obj in exclude}
    stack = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def _build_seconds(entries: Sequence[FaqEntry]) -> float:
    began = time.perf_counter()
    _matcher(entries)
    return time.perf_counter() - began


def _traced_build(entries: Sequence[FaqEntry]) -> tuple[Matcher, int, int]:
    tracemalloc.start()
    try:
        matcher = _matcher(entries)
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return matcher, retained, peak


def _time_questions(matcher: Matcher, asked: Sequence[str], passes: int) -> list[float]:
    for question in asked:
        matcher.match(question)
    seconds: list[float] = []
    for _ in range(passes):
        # A fresh typo-correction cache per pass: each question pays for its own corrections.
        matcher._corrections.clear()
        for question in asked:
            began = time.perf_counter()
            matcher.match(question)
            seconds.append(time.perf_counter() - began)
    return seconds


def _check_and_time_exhaustive(matcher: Matcher, asked: Sequence[str]) -> list[float]:
    exhaustive = Exhaustive(matcher)
    seconds: list[float] = []
    for question in asked:
        began = time.perf_counter()
        expected = exhaustive.top(question)
        seconds.append(time.perf_counter() - began)
        if walked_top(matcher, question) != expected:
            raise BenchError(
                f"the matcher's ranking differs from exhaustive scoring at "
                f"{len(matcher.entries)} entries for {question!r}"
            )
    return seconds


def measure_size(
    entries: Sequence[FaqEntry], *, synthetic: bool, settings: MatcherSettings
) -> SizeResult:
    build_seconds = _build_seconds(entries)
    gc.collect()
    if len(entries) <= TRACE_UP_TO:
        matcher, traced, peak = _traced_build(entries)
    else:
        matcher, traced, peak = _matcher(entries), None, None
    graph = object_graph_bytes(matcher, exclude=(matcher.entries, *matcher.entries))
    asked = questions()
    per_question = _time_questions(matcher, asked, settings.passes)
    sample = (
        asked
        if len(entries) <= 1_000
        else asked[:: max(1, len(asked) // settings.reference_questions)]
    )
    matcher._corrections.clear()
    exhaustive = _check_and_time_exhaustive(matcher, sample)
    verdicts: Counter[str] = Counter(matcher.match(q).verdict for q in asked)
    return SizeResult(
        entries=len(entries),
        synthetic=synthetic,
        build_seconds=build_seconds,
        graph_bytes=graph,
        traced_bytes=traced,
        traced_peak_bytes=peak,
        questions=len(asked),
        passes=settings.passes,
        per_question=Timings.of(per_question),
        exhaustive=Timings.of(exhaustive),
        exhaustive_questions=len(sample),
        verdicts=dict(verdicts),
    )


def run(*, settings: MatcherSettings, progress: bool = False) -> list[SizeResult]:
    bundled = load_knowledge().entries
    results: list[SizeResult] = []
    for size in settings.sizes:
        entries = list(bundled) if size == 0 else synthetic_entries(bundled, size)
        if progress:
            print(f"  matcher: {len(entries)} entries", file=sys.stderr, flush=True)
        results.append(measure_size(entries, synthetic=size != 0, settings=settings))
    return results
