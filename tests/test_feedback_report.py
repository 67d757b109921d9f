"""The knowledge-gaps report: grouping, ratings, usage, both formats, and `rolefit report`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from bot.feedback.records import Question, Vote
from bot.feedback.report import (
    build_report,
    group_questions,
    parse_since,
    rate_answers,
    report_json,
    report_text,
)
from bot.feedback.store import SqliteStore
from tests.support.feedback import asked

ROOT = Path(__file__).resolve().parents[1]
NOW = 1_700_000_000.0
DAY = 86400.0
ask = partial(asked, at=NOW - 60, score=30.0)
"""A question asked a minute before NOW unless `at` says otherwise."""


def vote(answer: str, user: str, helpful: bool, *, at: float = NOW - 60) -> Vote:
    return Vote(answer_id=answer, team="T1", user=user, helpful=helpful, at=at)


# --- --since ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("7d", 7 * DAY), ("30d", 30 * DAY), ("12h", 12 * 3600), ("90m", 5400), ("2w", 14 * DAY)],
)
def test_since_units(text: str, seconds: float) -> None:
    assert parse_since(text) == seconds
    assert parse_since(f" {text.upper()} ") == seconds


def test_since_all_means_no_limit() -> None:
    assert parse_since("all") is None


@pytest.mark.parametrize("text", ["", "30", "d", "0d", "-3d", "3y", "3 days", "1.5d"])
def test_since_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="7d, 30d, 12h, or all"):
        parse_since(text)


# --- grouping --------------------------------------------------------------------------------


def test_near_duplicates_group_under_the_most_asked_wording() -> None:
    texts = [
        "How do I onboard a new TPM?",
        "how do i onboard a new tpm",
        "how do I onboard a new TPM",
        "onboard a new TPM, how do I?",
        "How do I onboard a new TPMs",
        "What is the weather in Paris?",
        "what's the weather in paris",
        "Can I expense a taxi?",
    ]
    groups = group_questions(texts)
    assert [(g.text, g.count) for g in groups] == [
        ("How do I onboard a new TPM?", 5),
        ("What is the weather in Paris?", 2),
        ("Can I expense a taxi?", 1),
    ]
    onboarding = dict(groups[0].variants)
    assert onboarding["onboard a new TPM, how do I?"] == 1, "word order does not split a group"
    assert sum(onboarding.values()) == 5


def test_different_questions_stay_apart() -> None:
    groups = group_questions(["how much does a tpm earn", "how much does a pm earn in london"])
    assert len(groups) == 2


def test_grouping_threshold_is_a_parameter() -> None:
    texts = ["pm salary in berlin", "pm salary in berlin 2024"]
    assert len(group_questions(texts, threshold=85)) == 1
    assert len(group_questions(texts, threshold=99)) == 2


def test_blank_questions_are_ignored() -> None:
    assert group_questions(["", "   ", "\n"]) == []


# --- ratings and the whole report ------------------------------------------------------------


def test_answers_ranked_by_not_helpful_then_ratio() -> None:
    votes = [
        vote("a", "U1", False),
        vote("a", "U2", False),
        vote("a", "U3", True),
        vote("b", "U1", False),
        vote("b", "U2", False),
        vote("c", "U1", True),
        vote("d", "U1", False),
        vote("d", "U2", True),
        vote("d", "U3", True),
    ]
    ratings = rate_answers(votes, titles={"a": "Answer A"})
    assert [(r.answer_id, r.not_helpful, r.helpful) for r in ratings] == [
        ("b", 2, 0),
        ("a", 2, 1),
        ("d", 1, 2),
        ("c", 0, 1),
    ]
    assert ratings[1].title == "Answer A" and ratings[0].title is None
    assert ratings[1].helpful_ratio == pytest.approx(1 / 3)


def _sample() -> tuple[list[Question], list[Vote]]:
    questions = [
        ask("how do I onboard a new tpm", verdict="suggest"),
        ask("How do I onboard a new TPM?", channel_type="im"),
        ask("can I expense a taxi?", channel_type="channel"),
        ask(None),
        ask(None, verdict="answer", topic="salary"),
        ask(None, verdict="answer", topic="salary", channel_type="im"),
        ask(None, verdict="answer", topic="kpis"),
        Question(at=NOW - 50, team="T1", channel_type="command", command="compare"),
        ask("ancient question", at=NOW - 40 * DAY),
    ]
    votes = [
        vote("what-is-a-tpm", "U1", False),
        vote("what-is-a-tpm", "U2", True),
        vote("gone-entry", "U1", False, at=NOW - 40 * DAY),
    ]
    return questions, votes


def test_report_counts_usage_and_respects_the_window() -> None:
    questions, votes = _sample()
    report = build_report(
        questions, votes, since=NOW - 30 * DAY, now=NOW, titles={"what-is-a-tpm": "What is a TPM?"}
    )
    assert (report.requests, report.unanswered, report.unanswered_without_text) == (8, 4, 1)
    assert report.votes == 2
    assert [(g.text, g.count) for g in report.top_unanswered] == [
        ("How do I onboard a new TPM?", 2),
        ("can I expense a taxi?", 1),
    ]
    assert report.by_command == (("ask", 7), ("compare", 1))
    assert report.by_topic == (("salary", 2), ("kpis", 1))
    assert report.by_verdict == (("answer", 3), ("none", 3), ("suggest", 1))
    assert dict(report.by_channel) == {"command": 5, "im": 2, "channel": 1}
    [rating] = report.least_helpful
    assert (rating.title, rating.not_helpful, rating.helpful) == ("What is a TPM?", 1, 1)

    everything = build_report(questions, votes, since=None, now=NOW)
    assert everything.requests == 9
    assert {r.answer_id for r in everything.least_helpful} == {"what-is-a-tpm", "gone-entry"}


def test_json_shape() -> None:
    questions, votes = _sample()
    data = report_json(build_report(questions, votes, since=NOW - 30 * DAY, now=NOW))
    assert json.loads(json.dumps(data)) == data
    assert data["since"] == "2023-10-15T22:13:20Z" and data["until"] == "2023-11-14T22:13:20Z"
    assert data["totals"] == {
        "requests": 8,
        "unanswered": 4,
        "unanswered_without_text": 1,
        "votes": 2,
    }
    first = data["top_unanswered"][0]
    assert first["question"] == "How do I onboard a new TPM?" and first["count"] == 2
    assert sorted(v["text"] for v in first["variants"]) == [
        "How do I onboard a new TPM?",
        "how do I onboard a new tpm",
    ]
    assert data["least_helpful"] == [
        {
            "id": "what-is-a-tpm",
            "title": None,
            "helpful": 1,
            "not_helpful": 1,
            "helpful_ratio": 0.5,
        }
    ]
    assert data["usage"]["topic"] == {"salary": 2, "kpis": 1}


def test_text_is_a_readable_table() -> None:
    questions, votes = _sample()
    text = report_text(
        build_report(
            questions,
            votes,
            since=NOW - 30 * DAY,
            now=NOW,
            titles={"what-is-a-tpm": "What is a TPM?"},
        )
    )
    lines = text.splitlines()
    assert lines[0] == "RoleFit report: 2023-10-15T22:13:20Z to 2023-11-14T22:13:20Z"
    assert lines[1] == "8 requests, 4 unanswered, 2 votes"
    start = lines.index("Top unanswered questions")
    assert lines[start + 1].split() == ["#", "asked", "wordings", "question"]
    assert lines[start + 3].split() == [
        "1",
        "2",
        "2",
        "How",
        "do",
        "I",
        "onboard",
        "a",
        "new",
        "TPM?",
    ]
    header = lines[start + 1]
    assert lines[start + 3].index("How") == header.index("question"), "columns line up"
    assert "1 unanswered without text" in text
    rating = lines[lines.index("Least helpful answers") + 3]
    assert rating.split() == ["1", "1", "50%", "What", "is", "a", "TPM?"]
    assert "Usage by command" in text and "Usage by topic" in text


def test_text_for_an_empty_window() -> None:
    text = report_text(build_report([], [], since=None, now=NOW))
    assert "everything recorded" in text
    assert text.count("(none)") >= 2 and "(no votes)" in text


# --- `python -m bot report` against a prepared database --------------------------------------


@pytest.fixture
def prepared_db(tmp_path: Path) -> Path:
    """Rows at real times, so --since is measured from now like an operator would run it."""
    path = tmp_path / "feedback.db"
    now = time.time()
    store = SqliteStore.open(path)
    for n, text in enumerate(
        [
            "Who owns the roadmap?",
            "who owns the roadmap",
            "Who owns roadmap",
            "Who owns the roadmap?",
        ]
    ):
        store.add_question(ask(text, at=now - 3600 - n))
    store.add_question(ask("Old question about offices", at=now - 20 * DAY))
    store.add_question(ask(None, verdict="answer", topic="salary", at=now - 60))
    store.add_vote(vote("what-is-a-tpm", "U1", False, at=now - 60))
    store.add_vote(vote("what-is-a-tpm", "U2", False, at=now - 60))
    store.add_vote(vote("what-is-a-tpm", "U3", True, at=now - 60))
    store.close()
    return path


def run_report(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ROLEFIT_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_json_reads_rolefit_db(prepared_db: Path) -> None:
    done = run_report("--since", "7d", "--format", "json", env={"ROLEFIT_DB": str(prepared_db)})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["totals"]["requests"] == 5
    [group] = data["top_unanswered"]
    assert (group["question"], group["count"]) == ("Who owns the roadmap?", 4)
    [rating] = data["least_helpful"]
    assert (rating["id"], rating["not_helpful"], rating["helpful"]) == ("what-is-a-tpm", 2, 1)
    assert rating["helpful_ratio"] == pytest.approx(0.333)
    assert data["usage"]["topic"] == {"salary": 1}


def test_cli_text_with_all_history(prepared_db: Path) -> None:
    done = run_report("--since", "all", "--db", str(prepared_db))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("RoleFit report: everything recorded")
    assert "Who owns the roadmap?" in done.stdout
    assert "Old question about offices" in done.stdout
    assert "33%" in done.stdout


def test_cli_missing_database_and_bad_since(tmp_path: Path) -> None:
    missing = run_report("--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 1
    assert "no feedback database" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "nope.db").exists(), "the report never creates a database"
    bad = run_report("--since", "forever", "--db", str(tmp_path / "nope.db"))
    assert bad.returncode == 2 and "--since" in bad.stderr
