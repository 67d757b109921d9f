"""Every path through the bundled walkthrough, walked one answer at a time like the Slack flow."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest

from bot.knowledge.decision import VERDICT_IDS, Option, Walkthrough, parse_walkthrough
from bot.knowledge.problems import Problem
from bot.knowledge.yaml_source import load_yaml
from bot.walkthrough.engine import (
    InvalidAnswers,
    NextQuestion,
    Result,
    back,
    lean_of,
    resolve_answers,
    start_over,
    step,
)
from tests.support.walkthrough_paths import ALL_PM, ALL_TPM, BOTH_STRONG

DECISION = Path(__file__).resolve().parents[1] / "knowledge" / "decision.yml"


def load_walkthrough() -> Walkthrough:
    problems: list[Problem] = []
    walkthrough = parse_walkthrough(
        load_yaml(DECISION, problems), file=DECISION.name, problems=problems
    )
    assert walkthrough is not None, problems
    return walkthrough


WALKTHROUGH = load_walkthrough()
ALL_PATHS = list(itertools.product(*([o.id for o in q.options] for q in WALKTHROUGH.questions)))

PM_WITH_TECH_SIGNALS = (
    "pre-pmf",
    "growth",
    "integrations",
    "some-debt",
    "few-teams",
    "feasibility",
    "which-problem",
)


def finish(answers: tuple[str, ...]) -> Result:
    """Walk the way the bot does: one step per answer, checking each question in turn."""
    for count in range(len(answers)):
        shown = step(WALKTHROUGH, answers[:count])
        assert isinstance(shown, NextQuestion)
        assert shown.number == count + 1
        assert answers[count] in {o.id for o in shown.question.options}
    result = step(WALKTHROUGH, answers)
    assert isinstance(result, Result)
    return result


def chosen(answers: tuple[str, ...]) -> tuple[Option, ...]:
    return resolve_answers(WALKTHROUGH, answers)


def reason_of(option_id: str) -> str:
    return next(o.reason for q in WALKTHROUGH.questions for o in q.options if o.id == option_id)


@pytest.fixture(scope="module")
def all_results() -> dict[tuple[str, ...], Result]:
    return {answers: finish(answers) for answers in ALL_PATHS}


# --- every combination --------------------------------------------------------------------------


def test_every_combination_ends_in_a_known_verdict(all_results: dict) -> None:
    assert len(all_results) == 3 * 3 * 4 * 3 * 3 * 4 * 3
    assert {r.verdict_id for r in all_results.values()} == set(VERDICT_IDS)


def test_every_verdict_is_reached_by_a_real_share_of_combinations(all_results: dict) -> None:
    counts = Counter(r.verdict_id for r in all_results.values())
    assert all(counts[v] >= len(all_results) // 20 for v in VERDICT_IDS), counts


def test_every_result_is_renderable(all_results: dict) -> None:
    for answers, result in all_results.items():
        verdict = WALKTHROUGH.verdict(result.verdict_id)
        assert (result.title, result.summary, result.owns_first) == (
            verdict.title,
            verdict.summary,
            verdict.owns_first,
        )
        assert result.reasons, answers
        assert -1 <= result.lean.value <= 1


def test_reasons_come_from_answers_pushing_towards_the_verdict(all_results: dict) -> None:
    for answers, result in all_results.items():
        options = {o.reason: o for o in chosen(answers)}
        pushes = [options[reason] for reason in result.reasons]
        if result.verdict_id == "pm":
            strengths = [o.pm - o.tpm for o in pushes]
        elif result.verdict_id == "tpm":
            strengths = [o.tpm - o.pm for o in pushes]
        else:
            strengths = [max(o.pm, o.tpm) for o in pushes]
        assert all(s > 0 for s in strengths), answers
        assert strengths == sorted(strengths, reverse=True), answers


def test_the_program_manager_note_appears_exactly_when_delivery_is_the_problem(
    all_results: dict,
) -> None:
    for answers, result in all_results.items():
        if "delivery" in answers:
            assert result.program_manager_note == WALKTHROUGH.program_manager_note
        else:
            assert result.program_manager_note is None


def test_a_tpm_verdict_always_leans_tpm(all_results: dict) -> None:
    for result in all_results.values():
        if result.verdict_id == "tpm":
            assert result.lean.value > 0
            assert result.lean.label.endswith("TPM")
        if result.verdict_id == "pm":
            assert not result.lean.label.endswith("TPM")


# --- the cases the issue names ------------------------------------------------------------------


def test_all_platform_and_reliability_answers_give_tpm() -> None:
    result = finish(ALL_TPM)
    assert result.verdict_id == "tpm"
    assert result.title == "Hire a Technical Product Manager"
    assert result.lean.label == "leans strongly TPM"
    assert result.reasons[:5] == tuple(
        reason_of(o) for o in ("systems", "platform", "migration", "many-teams", "can-it-hold")
    )
    assert result.reasons[5:] == (reason_of("feasibility"), reason_of("scaling"))


def test_any_mix_of_tpm_leaning_answers_gives_tpm(all_results: dict) -> None:
    leaning = [p for p in ALL_PATHS if all(o.tpm > o.pm for o in chosen(p))]
    assert len(leaning) == 1 * 1 * 3 * 2 * 2 * 2 * 1
    assert {all_results[p].verdict_id for p in leaning} == {"tpm"}


def test_pre_product_market_fit_and_go_to_market_give_pm() -> None:
    result = finish(ALL_PM)
    assert result.verdict_id == "pm"
    assert result.lean.value == -1.0
    assert result.lean.label == "leans strongly PM"
    assert result.program_manager_note is None
    assert reason_of("pre-pmf") in result.reasons
    assert reason_of("growth") in result.reasons


def test_pre_pmf_and_go_to_market_with_mild_technical_signals_always_give_pm(
    all_results: dict,
) -> None:
    paths = [
        p
        for p in ALL_PATHS
        if p[:2] == ("pre-pmf", "growth") and all(o.tpm <= 1 for o in chosen(p))
    ]
    assert len(paths) == 1 * 1 * 1 * 2 * 2 * 3 * 2
    assert {all_results[p].verdict_id for p in paths} == {"pm"}


def test_a_neutral_answer_is_not_cited_as_a_pm_reason() -> None:
    result = finish((*ALL_PM[:-1], "mixed"))
    assert result.verdict_id == "pm"
    assert reason_of("mixed") not in result.reasons


def test_strong_signals_on_both_sides_give_both() -> None:
    result = finish(BOTH_STRONG)
    assert result.verdict_id == "both"
    assert set(result.reasons) == {reason_of(o) for o in BOTH_STRONG}


def test_pm_demand_with_emerging_technical_signals_gives_pm_now_tpm_later() -> None:
    result = finish(PM_WITH_TECH_SIGNALS)
    assert result.verdict_id == "pm-now-tpm-later"
    assert result.lean.label == "leans PM"
    assert result.reasons[:3] == tuple(reason_of(o) for o in ("pre-pmf", "growth", "which-problem"))


def test_program_coordination_is_named_plainly() -> None:
    result = finish((*ALL_TPM[:5], "delivery", ALL_TPM[6]))
    assert result.verdict_id == "tpm"
    assert result.program_manager_note is not None
    assert "Technical Program Manager" in result.program_manager_note


# --- questions, back and start over -------------------------------------------------------------


def test_first_question_has_what_the_card_needs() -> None:
    shown = step(WALKTHROUGH, start_over())
    assert isinstance(shown, NextQuestion)
    assert shown.progress == "Question 1 of 7"
    assert not shown.can_go_back
    assert shown.question.id == "stage"
    assert [o.id for o in shown.question.options] == ["pre-pmf", "traction", "scaling"]
    assert all(o.label for o in shown.question.options)


def test_back_returns_to_the_question_just_answered() -> None:
    answers = ALL_PM[:3]
    shown = step(WALKTHROUGH, back(answers))
    assert isinstance(shown, NextQuestion)
    assert shown.progress == "Question 3 of 7"
    assert shown.can_go_back
    assert shown.question.id == "build"


def test_back_from_a_result_reopens_the_last_question() -> None:
    shown = step(WALKTHROUGH, back(ALL_TPM))
    assert isinstance(shown, NextQuestion)
    assert shown.question.id == "debate"


def test_back_at_the_start_stays_at_the_start() -> None:
    assert back(()) == ()


@pytest.mark.parametrize(
    "answers",
    [
        ("no-such-option",),
        ("growth",),
        ("pre-pmf", "pre-pmf"),
        (*ALL_TPM, "scaling"),
    ],
)
def test_answers_that_do_not_fit_are_refused(answers: tuple[str, ...]) -> None:
    with pytest.raises(InvalidAnswers):
        step(WALKTHROUGH, answers)


def test_invalid_answers_is_a_value_error() -> None:
    assert issubclass(InvalidAnswers, ValueError)


# --- lean ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pm", "tpm", "value", "label"),
    [
        (0, 0, 0.0, "balanced between PM and TPM"),
        (5, 5, 0.0, "balanced between PM and TPM"),
        (10, 0, -1.0, "leans strongly PM"),
        (6, 4, -0.2, "leans PM"),
        (4, 6, 0.2, "leans TPM"),
        (1, 9, 0.8, "leans strongly TPM"),
    ],
)
def test_lean_value_and_label(pm: float, tpm: float, value: float, label: str) -> None:
    lean = lean_of(pm=pm, tpm=tpm)
    assert lean.value == value
    assert lean.label == label
