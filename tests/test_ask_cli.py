"""`rolefit ask`: readable text by default, one JSON object per question with --format json, and
one line in, one line out with `-`. Expected entries come from the loaded knowledge, not from a
hard-coded list, so these tests follow the content."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.knowledge.loader import collect_problems
from bot.knowledge.model import FaqEntry, Knowledge
from bot.knowledge.problems import KnowledgeError
from bot.local_slack import payloads
from tests.support.blockkit import check_message
from tests.support.cli import ROOT, broken_knowledge, clean_env, run_rolefit
from tests.support.harness import RunningApp

KEYS = {
    "question",
    "kind",
    "verdict",
    "answered",
    "id",
    "topic",
    "title",
    "score",
    "suggestions",
    "text",
    "blocks",
}
OFF_TOPIC = "what's for lunch?"


def ask_json(capsys: pytest.CaptureFixture[str], question: str) -> dict[str, Any]:
    assert main(["ask", "--format", "json", question]) == 0
    [line] = capsys.readouterr().out.splitlines()
    return json.loads(line)


def check_result(result: dict[str, Any], question: str) -> None:
    """The documented shape, whatever the verdict."""
    assert set(result) == KEYS
    assert result["question"] == question
    assert result["verdict"] in {"answer", "suggest", "none"}
    assert result["answered"] is (result["verdict"] == "answer")
    best = (result["id"], result["topic"], result["title"], result["score"])
    assert all(v is None for v in best) or all(v is not None for v in best)
    if result["verdict"] != "none" and result["kind"] in {"answer", "suggest"}:
        assert result["id"] is not None
        assert isinstance(result["score"], int | float)
    for suggestion in result["suggestions"]:
        assert set(suggestion) == {"id", "topic", "title", "score"}
        if result["verdict"] == "answer":
            assert suggestion["id"] != result["id"]
    if result["blocks"]:
        check_message({"text": result["text"], "blocks": result["blocks"]})


def spread(knowledge: Knowledge) -> list[FaqEntry]:
    """A few entries from different topics (every entry is asked in the stdin test)."""
    firsts = [entries[0] for entries in knowledge.topics().values()]
    return firsts[:: max(1, len(firsts) // 4)]


def test_json_answers_an_entrys_own_question_with_that_entry(
    capsys: pytest.CaptureFixture[str], knowledge: Knowledge
) -> None:
    for entry in spread(knowledge):
        result = ask_json(capsys, entry.question)
        check_result(result, entry.question)
        assert result["verdict"] == "answer", entry.id
        assert result["answered"] is True
        assert (result["id"], result["topic"], result["title"]) == (
            entry.id,
            entry.topic,
            entry.title,
        )
        assert entry.title in result["text"]
        assert all(s["id"] in knowledge.by_id for s in result["suggestions"])


def test_json_says_none_to_an_off_topic_question(capsys: pytest.CaptureFixture[str]) -> None:
    result = ask_json(capsys, OFF_TOPIC)
    check_result(result, OFF_TOPIC)
    assert result["verdict"] == "none"
    assert result["answered"] is False
    assert result["suggestions"], "the 'people often ask' buttons"


def test_text_shows_title_answer_and_alternatives(
    capsys: pytest.CaptureFixture[str], knowledge: Knowledge
) -> None:
    entry = knowledge.entries[0]
    assert main(["ask", entry.question]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == entry.title
    assert entry.answer.strip() in out
    match = ask_json(capsys, entry.question)
    for suggestion in match["suggestions"]:
        assert suggestion["title"] in out


def test_text_for_an_off_topic_question_is_a_polite_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", OFF_TOPIC]) == 0
    out = capsys.readouterr().out.strip()
    assert out
    assert "Traceback" not in out


def test_stdin_gives_one_json_line_per_question_in_order(knowledge: Knowledge) -> None:
    """Every canonical question plus the eval set's off-topic ones, through a real process."""
    off_topic = yaml.safe_load((ROOT / "tests" / "eval" / "questions.yml").read_text())["off_topic"]
    questions = [e.question for e in knowledge.entries] + [OFF_TOPIC, "", *off_topic[:5]]
    result = run_rolefit("ask", "--format", "json", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions)
    results = [json.loads(line) for line in lines]
    for question, answer in zip(questions, results, strict=True):
        check_result(answer, question)
    for entry, answer in zip(knowledge.entries, results, strict=False):
        assert (answer["verdict"], answer["id"]) == ("answer", entry.id), entry.question
    assert results[len(knowledge.entries)]["verdict"] == "none"
    assert results[len(knowledge.entries) + 1]["kind"] == "help", "as `/rolefit` alone"


def test_stdin_ignores_windows_line_endings() -> None:
    result = run_rolefit("ask", "--format", "json", "-", stdin="what is a tpm\r\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["question"] == "what is a tpm"


def test_ask_refuses_to_run_on_broken_knowledge(tmp_path: Path) -> None:
    broken = broken_knowledge(tmp_path / "broken")
    result = run_rolefit("ask", "what is a tpm", knowledge=broken)
    assert result.returncode == 1
    assert result.stdout == ""
    _, problems = collect_problems(broken)
    assert result.stderr.splitlines() == KnowledgeError(problems).summary().splitlines()


def test_a_reader_that_stops_early_gets_no_traceback(knowledge: Knowledge) -> None:
    """`rolefit ask --format json - < questions | head -1`: the output (far more than a pipe
    holds) is cut off after one line; the command stops quietly."""
    questions = "".join(f"{knowledge.entries[0].question}\n" for _ in range(300))
    env = {**clean_env(), "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--format", "json", "-"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(questions)
        process.stdin.close()
        first = process.stdout.readline()
        process.stdout.close()
        assert process.wait(timeout=60) == 1
        stderr = process.stderr.read() if process.stderr else ""
    assert json.loads(first)["id"] == knowledge.entries[0].id
    assert "Traceback" not in stderr
    assert stderr == ""


# --- the same reply as Slack ---------------------------------------------------------------------

SUBCOMMANDS = [
    "help",
    "compare",
    "compare kpis",
    "compare astrology",
    "pm",
    "tpm",
    "jd",
    "jd tpm",
    "topics",
    "what does a tpm do",
    "platform",
    OFF_TOPIC,
]


def _offered(blocks: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for button in payloads.buttons(blocks):
        value = button.get("value", "")
        opens = button["action_id"].startswith(("rolefit.open", "rolefit.also"))
        if opens and value.startswith("entry:") and value[6:] not in ids:
            ids.append(value[6:])
    return ids


@pytest.mark.parametrize("text", SUBCOMMANDS)
async def test_ask_gives_the_card_slack_gets_and_suggests_its_buttons(
    app: RunningApp, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    in_slack = await app.command(text)
    result = ask_json(capsys, text)
    check_result(result, text)
    assert (result["text"], result["blocks"]) == (in_slack["text"], in_slack["blocks"])
    offered = _offered(in_slack["blocks"])
    if result["verdict"] == "answer" and result["id"] in offered:
        offered.remove(result["id"])
    assert [s["id"] for s in result["suggestions"]] == offered


def test_ask_compare_is_the_comparison_not_an_faq_entry(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = ask_json(capsys, "compare")
    assert (result["kind"], result["id"]) == ("compare", None)
    assert result["blocks"][0]["text"]["text"] == "PM vs TPM, side by side"
    assert main(["ask", "compare"]) == 0
    assert capsys.readouterr().out.startswith("PM vs TPM, side by side")


def test_ask_decide_points_to_the_console(capsys: pytest.CaptureFixture[str]) -> None:
    result = ask_json(capsys, "decide")
    assert (result["kind"], result["answered"], result["blocks"]) == ("decide", False, [])
    assert "rolefit chat" in result["text"]
