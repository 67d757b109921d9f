"""The matcher against questions written independently of the knowledge phrasings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.answers.matcher import Matcher
from bot.knowledge.model import TOPICS, Knowledge

EVAL = yaml.safe_load((Path(__file__).parent / "eval" / "questions.yml").read_text("utf-8"))


@pytest.fixture(scope="module")
def matcher(knowledge: Knowledge) -> Matcher:
    return Matcher.of(knowledge)


def test_eval_set_is_large_enough_and_well_formed() -> None:
    assert len(EVAL["on_topic"]) >= 120
    assert len(EVAL["off_topic"]) >= 30
    assert {item["topic"] for item in EVAL["on_topic"]} == set(TOPICS)


def test_eval_questions_are_not_copies_of_knowledge_phrasings(knowledge: Knowledge) -> None:
    known = {p.lower().strip(" ?") for e in knowledge.entries for p in (e.question, *e.phrasings)}
    copies = [i["q"] for i in EVAL["on_topic"] if i["q"].lower().strip(" ?") in known]
    assert copies == []


def test_top1_topic_accuracy_on_topic(matcher: Matcher) -> None:
    """Correct means: not "no match", and the best entry's topic is the expected one."""
    misses = []
    for item in EVAL["on_topic"]:
        result = matcher.match(item["q"])
        topic = result.best.entry.topic if result.best else None
        if result.verdict == "none" or topic != item["topic"]:
            misses.append((item["q"], item["topic"], topic, result.verdict))
    accuracy = 1 - len(misses) / len(EVAL["on_topic"])
    assert accuracy >= 0.90, f"accuracy {accuracy:.1%}; misses: {misses}"


def test_off_topic_questions_get_no_match(matcher: Matcher) -> None:
    wrong = [
        (q, r.verdict, r.best.entry.id if r.best else None)
        for q in EVAL["off_topic"]
        if (r := matcher.match(q)).verdict != "none"
    ]
    rate = 1 - len(wrong) / len(EVAL["off_topic"])
    assert rate >= 0.90, f"no-match rate {rate:.1%}; matched: {wrong}"
