"""Question focus: sentences, the asking parts, and how they weigh in matching."""

from __future__ import annotations

import pytest

from bot.answers.focus import CONTEXT_WEIGHT, LATER_WEIGHT, is_asking, read, sentences
from bot.answers.matcher import Matcher
from bot.knowledge.model import Knowledge


@pytest.fixture(scope="module")
def matcher(knowledge: Knowledge) -> Matcher:
    return Matcher.of(knowledge)


def test_sentences_split_on_stops_question_marks_colons_and_lines() -> None:
    text = "We are 40 people. Do we need a TPM?What about later!\nThanks: really"
    assert sentences(text) == [
        "We are 40 people.",
        "Do we need a TPM?",
        "What about later!",
        "Thanks",
        "really",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Do startups need a TPM?",
        "how do I know when to hire a PM",
        "Should we hire a PM or a TPM",
        "I'm wondering whether our PM should code.",
        "Any advice for a new TPM.",
    ],
)
def test_asking_sentences(sentence: str) -> None:
    assert is_asking(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["I've been a PM for six years.", "We're a 40-person startup.", "Thanks in advance!"],
)
def test_context_sentences(sentence: str) -> None:
    assert not is_asking(sentence)


def test_asking_parts_weigh_above_context_and_the_first_question_leads() -> None:
    focus = read("We build APIs. Do we need a TPM? And what do they earn? Thanks!")
    assert focus.asking == ("Do we need a TPM?", "And what do they earn?")
    assert focus.several
    assert focus.weighted() == [
        ("We build APIs.", CONTEXT_WEIGHT),
        ("Do we need a TPM?", 1.0),
        ("And what do they earn?", LATER_WEIGHT),
        ("Thanks!", CONTEXT_WEIGHT),
    ]


def test_a_message_without_a_question_counts_whole() -> None:
    focus = read("TPM salaries at big companies. Senior level.")
    assert all(weight == 1.0 for _, weight in focus.weighted())


def test_a_long_preamble_does_not_dilute_a_clear_question(matcher: Matcher) -> None:
    plain = matcher.match("Do startups need a technical product manager?")
    preamble = (
        "I have been working in software for twelve years, first as a developer in a bank, then "
        "in consulting, and now I lead engineering in a small company that sells scheduling "
        "software to clinics. Most of my week goes into planning meetings and reviews, and the "
        "founders disagree about a lot of things. "
    )
    wrapped = matcher.match(preamble + "Do startups need a technical product manager?")
    assert plain.best is not None and wrapped.best is not None
    assert wrapped.best.entry.id == plain.best.entry.id
    assert wrapped.verdict == "answer"


def test_several_questions_answer_the_first_and_offer_the_others(matcher: Matcher) -> None:
    result = matcher.match("Do startups need a TPM? And who earns more, a PM or a TPM?")
    assert result.verdict == "answer"
    assert result.best is not None and result.best.entry.topic == "startups"
    assert [c.entry.topic for c in result.others] == ["salary"]


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        (
            "What does a TPM do? And why is the title so confusing with all these different "
            "acronyms?",
            "what-is-a-tpm",
        ),
        (
            "What does a product manager do? And what does the word product even mean in a job "
            "title?",
            "what-is-a-pm",
        ),
    ],
)
def test_a_clear_first_question_is_not_blended_with_the_next(
    matcher: Matcher, message: str, entry_id: str
) -> None:
    """When one asking sentence of several matches an entry almost exactly, the blend of all
    their words must not pull the answer towards an entry that fits neither well."""
    result = matcher.match(message)
    assert result.verdict == "answer"
    assert result.best is not None and result.best.entry.id == entry_id


def test_a_short_question_after_a_title_takes_the_title_as_its_subject() -> None:
    """"PRD vs technical spec: what's the difference?" asks about the title; a short question that
    names a role, or one after a long statement, stands on its own."""
    titled = read("PRD vs Technical Spec: What's the Difference?")
    assert [(p.text, p.asking) for p in titled.parts] == [
        ("PRD vs Technical Spec What's the Difference?", True)
    ]
    assert not titled.several
    own = read("We are a 40 person startup. Do we need a TPM?")
    assert [p.asking for p in own.parts] == [False, True]
    preamble = "I have been a product manager for six years at two companies in the same city now."
    long = read(f"{preamble} Which one?")
    assert [p.asking for p in long.parts] == [False, True]
