"""Knowledge that stays true: `owner:` and `reviewed:` on FAQ entries, `rolefit check --stale`,
the review month on answer cards and the admins' count; plus the settings and redaction that
"Ask a person" relies on."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cards.common import Surface
from bot.cards.replies import RoleFit
from bot.config import ConfigError, load_settings
from bot.feedback.home import gaps_blocks
from bot.feedback.report import build_report
from bot.knowledge.loader import collect_problems, load_knowledge
from bot.knowledge.model import Knowledge
from bot.knowledge.review import stale_entries
from tests.support.blockkit import all_text, check_blocks
from tests.support.cli import copy_knowledge, run_rolefit


def rewrite(folder: Path, entry_id: str, *, reviewed: str | None) -> int:
    """Set (or drop) one entry's review date; return the line it is on."""
    faq = folder / "faq.yml"
    lines = faq.read_text("utf-8").splitlines()
    start = lines.index(f"  - id: {entry_id}")
    at = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("reviewed:"))
    if reviewed is None:
        del lines[at]
    else:
        lines[at] = f"    reviewed: {reviewed}"
    faq.write_text("\n".join(lines) + "\n", "utf-8")
    return at + 1


def test_every_bundled_entry_has_an_owner_and_a_review_date(knowledge: Knowledge) -> None:
    assert all(e.owner and e.reviewed for e in knowledge.entries)
    assert {e.owner for e in knowledge.entries} == {"RoleFit maintainers"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-01", "expected a date YYYY-MM-DD"),
        ("last spring", "expected a date YYYY-MM-DD"),
        ("30/11/2026", "expected a date YYYY-MM-DD"),
        ((date.today() + timedelta(days=1)).isoformat(), "is in the future"),
    ],
)
def test_a_bad_or_future_review_date_is_a_problem_with_file_and_line(
    tmp_path: Path, value: str, message: str
) -> None:
    folder = copy_knowledge(tmp_path / "k")
    line = rewrite(folder, "what-is-a-tpm", reviewed=value)
    knowledge, problems = collect_problems(folder)
    assert knowledge is None
    [problem] = problems
    assert (problem.file, problem.line, problem.field) == ("faq.yml", line, "reviewed")
    assert message in problem.message


def test_check_stale_lists_entries_due_with_their_owner_and_strict_fails(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "k")
    rewrite(folder, "what-is-a-pm", reviewed=None)
    rewrite(folder, "what-is-a-tpm", reviewed="2020-01-31")
    result = run_rolefit("check", str(folder), "--stale", "180d")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    total = len(load_knowledge(folder).entries)
    assert lines[1] == f"2 of {total} entries not reviewed in 180d"
    assert re.fullmatch(r"\s+what-is-a-pm\s+reviewed: never\s+owner: RoleFit maintainers", lines[2])
    assert "what-is-a-tpm  reviewed: 2020-01-31" in lines[3]
    assert run_rolefit("check", str(folder), "--stale", "180d", "--strict").returncode == 1
    assert run_rolefit("check", "--stale", "180d", "--strict").returncode == 0
    bad = run_rolefit("check", "--stale", "soon")
    assert bad.returncode == 2 and "--stale expects an age" in bad.stderr


def test_an_answer_card_says_when_it_was_reviewed(rolefit: RoleFit) -> None:
    card = rolefit.answer("what is a tpm", surface=Surface.PRIVATE).card
    assert card is not None
    assert "· Reviewed Nov 2026" in all_text(card.blocks)


def test_the_admins_section_counts_entries_due_for_review(knowledge: Knowledge) -> None:
    report = build_report([], [], since=None, now=0.0)
    due = len(stale_entries(knowledge.entries, today=date(2028, 1, 1), max_age_days=180))
    assert due == len(knowledge.entries)
    blocks = gaps_blocks(report, due_for_review=due)
    check_blocks(blocks)
    assert f"{due} knowledge entries not reviewed in 180 days" in all_text(blocks)
    assert "not reviewed" not in all_text(gaps_blocks(report))


def test_the_experts_channel_setting() -> None:
    assert load_settings({}).experts_channel is None
    assert load_settings({"ROLEFIT_EXPERTS_CHANNEL": " C012AB3CD "}).experts_channel == "C012AB3CD"
    for bad in ("#experts", "U012AB3CD", "c012"):
        with pytest.raises(ConfigError, match="ROLEFIT_EXPERTS_CHANNEL is malformed"):
            load_settings({"ROLEFIT_EXPERTS_CHANNEL": bad})
