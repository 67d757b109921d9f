"""Matcher behaviour the issue names, checked against the bundled knowledge."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import matcher as matching
from bot.answers import text_norm
from bot.answers.matcher import MAX_QUESTION_CHARS, Matcher
from bot.answers.text_norm import clean, clean_words, tokens, uses_bare_tpm
from bot.knowledge.model import FaqEntry, Knowledge


@pytest.fixture(scope="module")
def matcher(knowledge: Knowledge) -> Matcher:
    return Matcher.of(knowledge)


@pytest.mark.parametrize(
    "question",
    ["what's the salary difference", "how is the salary", "who earns more, pm or tpm?"],
)
def test_salary_questions_find_the_salary_topic(matcher: Matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.verdict != "none"
    assert result.best is not None and result.best.entry.topic == "salary"


def test_typos_still_match(matcher: Matcher) -> None:
    result = matcher.match("what does a techincal prodcut manger do")
    assert result.best is not None
    assert result.best.entry.topic == "definition-tpm"
    assert result.verdict == "answer"


@pytest.mark.parametrize(
    "question",
    [
        "can I expense a taxi?",
        "what's for lunch",
        "how do I reset my laptop password",
        "",
        "?!?",
        "the",
    ],
)
def test_off_topic_is_no_match(matcher: Matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.verdict == "none"
    assert not result.answered
    assert result.alternatives == ()


def test_every_canonical_question_finds_its_own_entry(
    knowledge: Knowledge, matcher: Matcher
) -> None:
    wrong = [
        (e.id, r.best.entry.id if r.best else None)
        for e in knowledge.entries
        if (r := matcher.match(e.question)).best is None or r.best.entry.id != e.id
    ]
    assert len(wrong) <= len(knowledge.entries) // 20, wrong


def test_alternatives_are_other_entries_ranked_by_score(matcher: Matcher) -> None:
    result = matcher.match("pm or tpm")
    assert result.best is not None
    ids = [result.best.entry.id, *(c.entry.id for c in result.alternatives)]
    assert len(ids) == len(set(ids))
    scores = [result.best.score, *(c.score for c in result.alternatives)]
    assert scores == sorted(scores, reverse=True)
    assert len(result.alternatives) <= 3


def test_career_direction_is_respected(matcher: Matcher) -> None:
    to_tpm = matcher.match("moving from pm to tpm, what should i learn")
    to_pm = matcher.match("moving from tpm to pm, what should i learn")
    assert to_tpm.best is not None and to_tpm.best.entry.topic == "career-pm-to-tpm"
    assert to_pm.best is not None and to_pm.best.entry.topic == "career-tpm-to-pm"


def test_long_questions_are_cut_and_flagged(matcher: Matcher) -> None:
    question = "what is a technical product manager " + "really " * 200
    result = matcher.match(question)
    assert result.truncated
    assert not matcher.match("what is a technical product manager").truncated
    assert len(question) > MAX_QUESTION_CHARS


def test_matching_is_deterministic(knowledge: Knowledge) -> None:
    questions = ["pm vs tpm", "kpis", "do startups need a tpm", "hiring signals for pms"]
    first = [Matcher(knowledge.entries).match(q) for q in questions]
    second = [Matcher(knowledge.entries).match(q) for q in questions]
    assert first == second


def test_scores_rank_exact_over_partial() -> None:
    entries = [
        FaqEntry("a", "salary", "Who earns more?", ("pm salary", "tpm pay", "comp", "money"), "x"),
        FaqEntry("b", "kpis", "KPIs?", ("pm kpis", "tpm metrics", "measure", "numbers"), "y"),
    ]
    matcher = Matcher(entries)
    for question, expected in (("pm salary", "a"), ("tpm metrics", "b")):
        best = matcher.match(question).best
        assert best is not None and best.entry.id == expected


def test_normalisation_of_quotes_dashes_and_acronyms() -> None:
    assert clean("What’s a “tech PM” — really?") == "what a tech pm really"
    assert tokens("Technical Product Managers vs Product Managers") == ["tpm", "versus", "pm"]
    assert tokens("tech pm or prod mgr") == ["tpm", "pm"]
    assert tokens("technical program manager") == ["tpgm"]
    assert tokens("Product Manager's job") == ["pm", "job"]


def test_phrases_with_plural_words_are_rewritten() -> None:
    assert tokens("pros and cons of a TPM") == ["difference", "tpm"]
    assert tokens("product-market fit") == tokens("product market fit") == ["pmf"]


def test_bare_tpm_detection() -> None:
    assert uses_bare_tpm("what does a TPM do")
    assert not uses_bare_tpm("what does a technical product manager do")
    assert not uses_bare_tpm("is a TPM a technical program manager?")


@pytest.mark.parametrize("direct_up_to", [-1, 10**9], ids=["walk", "direct"])
def test_pruned_ranking_equals_exhaustive_scoring(
    knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch, direct_up_to: int
) -> None:
    """Both ways of skipping entries (the walk, and bounding candidates directly) must rank
    exactly as scoring every candidate would; `_DIRECT_UP_TO` forces one or the other."""
    import random

    from bench.matcher_reference import Exhaustive, walked_top
    from bench.synthetic_kb import synthetic_entries

    monkeypatch.setattr(matching, "_DIRECT_UP_TO", direct_up_to)
    entries = synthetic_entries(knowledge.entries, 300)
    rng = random.Random(11)
    vocabulary = sorted({w for e in entries for p in e.phrasings for w in p.split()})
    questions = [" ".join(rng.sample(vocabulary, rng.randint(1, 6))) for _ in range(150)]
    questions += [e.question for e in entries[::7]]
    questions += ["pm vs tpm", "moving from tpm to pm", "tpm", "can I expense a taxi?"]
    for base in (knowledge.entries, entries):
        matcher = Matcher(base)
        reference = Exhaustive(matcher)
        for question in questions:
            assert walked_top(matcher, question) == reference.top(question), question


_PLAIN_TEXT = st.lists(
    st.sampled_from(
        "technical tech product products manager managers pm tpm pms program programs jd job "
        "jobs description go to market day days pros and cons side by prod owner moving from into "
        "versus or what's isn't pm's a the others help me decide compare role profile 'S x's's "
        "a'b'c ’s “tpm” — / & + 1st 42 É ﬁ İ ? ! \t".split(" ")
    ),
    max_size=12,
).map(" ".join)


def _clean_by_regex(text: str) -> str:
    """`clean` as plainly defined: the regexes and the translation table over the whole text."""
    folded = unicodedata.normalize("NFKC", text).translate(text_norm._PUNCT_MAP).lower()
    folded = text_norm._APOSTROPHE.sub(r"\1\2", text_norm._POSSESSIVE.sub(r"\1", folded))
    return text_norm._NON_WORD.sub(" ", folded).strip()


def _phrases_position_by_position(words: list[str]) -> list[str]:
    """Phrase rewriting as plainly defined: at each position, the longest phrase that starts
    there (compared in singular), else the word itself."""
    singular = [text_norm._singular(w) for w in words]
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, token in text_norm._PHRASES:
            if tuple(singular[i : i + len(phrase)]) == phrase:
                out.append(token)
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return out


@settings(max_examples=400, deadline=None)
@given(text=_PLAIN_TEXT | st.text(max_size=40))
def test_fast_normalisation_equals_its_plain_definition(text: str) -> None:
    """ASCII shortcuts and skipped regexes must not change what `clean` and phrase rewriting
    give, Unicode and apostrophes included."""
    assert clean(text) == _clean_by_regex(text)
    assert clean_words(text) == _clean_by_regex(text).split()
    words = clean_words(text)
    assert text_norm._rewrite_phrases(words) == _phrases_position_by_position(words)


def test_a_number_the_knowledge_never_uses_carries_no_weight(matcher: Matcher) -> None:
    """'a 37-person team': the number says nothing about the topic, so it must not outweigh
    the words that do."""
    words = matcher._query_words("what does the role split look like at a 37 person team")
    assert "37" not in words
    assert "startup" in words  # "person team" still reads as a small company


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("when the tpm and the pm disagree, who gets the final call?", "collaboration"),
        ("is it time for us to bring in a program manager?", "when-hire-tpm"),
        ("what does a technical project manager earn?", "salary"),
    ],
)
def test_kinds_of_question_with_their_own_entries(
    matcher: Matcher, question: str, topic: str
) -> None:
    result = matcher.match(question)
    assert result.best is not None and result.best.entry.topic == topic
