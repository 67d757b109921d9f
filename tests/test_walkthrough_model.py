"""decision.yml is validated strictly: every broken copy is reported with file, entry and field."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge.decision import (
    MAX_LABEL,
    VERDICT_IDS,
    Option,
    Rule,
    Walkthrough,
    parse_walkthrough,
    total_scores,
)
from bot.knowledge.problems import Problem
from bot.knowledge.yaml_source import load_yaml

DECISION = Path(__file__).resolve().parents[1] / "knowledge" / "decision.yml"
FILE = "decision.yml"


def load_data() -> Any:
    problems: list[Problem] = []
    data = load_yaml(DECISION, problems)
    assert problems == []
    return data


def parse(data: Any) -> tuple[Walkthrough | None, list[Problem]]:
    problems: list[Problem] = []
    return parse_walkthrough(data, file=FILE, problems=problems), problems


def broken(mutate: Callable[[Any], None]) -> list[Problem]:
    """Parse a mutated copy of the real file; a broken copy must never yield a walkthrough."""
    data = copy.deepcopy(load_data())
    mutate(data)
    walkthrough, problems = parse(data)
    assert walkthrough is None
    assert problems, "a broken copy must report at least one problem"
    assert all(p.file == FILE for p in problems)
    return problems


def only(problems: list[Problem], *, entry: str | None, field: str | None) -> Problem:
    matching = [p for p in problems if p.entry == entry and p.field == field]
    assert len(matching) == 1, [str(p) for p in problems]
    return matching[0]


def root(data: Any) -> Any:
    return data["walkthrough"]


def question(data: Any, question_id: str) -> Any:
    return next(q for q in root(data)["questions"] if q["id"] == question_id)


def option(data: Any, option_id: str) -> Any:
    return next(o for q in root(data)["questions"] for o in q["options"] if o["id"] == option_id)


# --- the real content ---------------------------------------------------------------------------


def test_bundled_decision_file_is_clean() -> None:
    walkthrough, problems = parse(load_data())
    assert problems == []
    assert walkthrough is not None
    assert 5 <= len(walkthrough.questions) <= 8
    assert all(2 <= len(q.options) <= 4 for q in walkthrough.questions)
    assert tuple(v.id for v in walkthrough.verdicts) == VERDICT_IDS
    assert len(walkthrough.fingerprint) == 8


def test_bundled_content_has_one_program_manager_option_and_short_labels() -> None:
    walkthrough, _ = parse(load_data())
    assert walkthrough is not None
    program = [o.id for q in walkthrough.questions for o in q.options if o.program]
    assert program == ["delivery"]
    assert "Technical Program Manager" in walkthrough.program_manager_note
    assert all(len(o.label) <= MAX_LABEL for q in walkthrough.questions for o in q.options)


def test_plain_dicts_without_line_numbers_parse_to_the_same_walkthrough() -> None:
    with_lines, _ = parse(load_data())
    plain, problems = parse(json.loads(json.dumps(load_data())))
    assert problems == []
    assert plain == with_lines


def test_verdict_titles_are_the_ones_the_issue_names() -> None:
    walkthrough, _ = parse(load_data())
    assert walkthrough is not None
    assert walkthrough.verdict("tpm").title == "Hire a Technical Product Manager"
    assert all(v.owns_first for v in walkthrough.verdicts)


# --- fields -------------------------------------------------------------------------------------


def test_unknown_field_on_a_question_is_reported_at_its_line(tmp_path: Path) -> None:
    lines = DECISION.read_text(encoding="utf-8").splitlines()
    at = lines.index("    - id: constraint") + 1
    lines.insert(at, "      colour: blue")
    path = tmp_path / FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems: list[Problem] = []
    data = load_yaml(path, problems)

    walkthrough = parse_walkthrough(data, file=FILE, problems=problems)

    assert walkthrough is None
    problem = only(problems, entry="constraint", field="colour")
    assert problem.line == at + 1
    assert "unknown field" in problem.message


def test_unknown_field_on_an_option() -> None:
    problems = broken(lambda d: option(d, "platform").update(weight=3))
    assert "unknown field" in only(problems, entry="platform", field="weight").message


def test_unknown_top_level_key() -> None:
    data = load_data()
    problems = broken(lambda d: d.update(decisions={}))
    assert only(problems, entry=None, field="decisions").line == data.line


def test_missing_options_is_reported_on_the_question() -> None:
    data = load_data()
    expected_line = question(data, "debt").line

    def drop_options(d: Any) -> None:
        node = question(d, "debt")
        node.pop("options")
        node.key_lines.pop("options")

    problems = broken(drop_options)

    problem = only(problems, entry="debt", field="options")
    assert problem.message == "missing required field"
    assert problem.line == expected_line


def test_empty_options_list() -> None:
    problems = broken(lambda d: question(d, "debt").update(options=[]))
    assert "0 items" in only(problems, entry="debt", field="options").message


def test_single_option_is_too_few() -> None:
    def keep_one(d: Any) -> None:
        del question(d, "debt")["options"][1:]

    problems = broken(keep_one)
    assert "needs 2 to 4" in only(problems, entry="debt", field="options").message


def option_problem(option_id: str, key: str, value: Any, *, entry: str) -> Problem:
    """Set one field of an option: the one problem it causes, which must point at that field."""
    expected_line = option(load_data(), option_id).line_of(key)
    problems = broken(lambda d: option(d, option_id).update({key: value}))
    problem = only(problems, entry=entry, field=key)
    assert problem.line == expected_line
    return problem


def test_duplicate_option_ids_across_questions() -> None:
    problem = option_problem("light", "id", "pre-pmf", entry="pre-pmf")
    assert "duplicate option id" in problem.message
    assert "stage" in problem.message


def test_duplicate_question_ids() -> None:
    problems = broken(lambda d: question(d, "debt").update(id="stage"))
    assert "duplicate question id" in only(problems, entry="stage", field="id").message


def test_bad_weight_type() -> None:
    problem = option_problem("platform", "tpm", "high", entry="platform")
    assert problem.message == "expected a number, got text"


@pytest.mark.parametrize("weight", [True, -1, 11, float("nan")])
def test_weights_must_be_plain_numbers_in_range(weight: Any) -> None:
    problems = broken(lambda d: option(d, "growth").update(pm=weight))
    only(problems, entry="growth", field="pm")


def test_label_longer_than_a_slack_button_allows() -> None:
    problems = broken(lambda d: option(d, "growth").update(label="x" * (MAX_LABEL + 1)))
    assert "over the limit of 75" in only(problems, entry="growth", field="label").message


def test_question_text_over_2000_characters() -> None:
    problems = broken(lambda d: question(d, "stage").update(text="why " * 501))
    assert "over the limit of 2000" in only(problems, entry="stage", field="text").message


def test_reason_must_stay_short() -> None:
    problems = broken(lambda d: option(d, "growth").update(reason="because " * 20))
    only(problems, entry="growth", field="reason")


def test_program_flag_must_be_a_boolean() -> None:
    problems = broken(lambda d: option(d, "delivery").update(program="yes"))
    only(problems, entry="delivery", field="program")


def test_bad_id_format() -> None:
    problems = broken(lambda d: option(d, "growth").update(id="Go To Market"))
    only(problems, entry="Go To Market", field="id")


def test_an_option_that_is_not_a_mapping_is_named_by_position() -> None:
    problems = broken(lambda d: question(d, "debt")["options"].append("maybe"))
    assert (
        "expected an option as a mapping"
        in only(problems, entry="debt.options[3]", field=None).message
    )


def test_missing_verdict() -> None:
    problems = broken(lambda d: root(d)["verdicts"].pop("both"))
    assert only(problems, entry="verdicts", field="both").message == "missing required field"


def test_unknown_verdict_key_and_rule_verdict() -> None:
    def mutate(d: Any) -> None:
        root(d)["verdicts"]["program"] = copy.deepcopy(root(d)["verdicts"]["pm"])
        root(d)["rules"][0]["verdict"] = "program"

    problems = broken(mutate)
    only(problems, entry="verdicts", field="program")
    assert "unknown verdict" in only(problems, entry="rules[0]", field="verdict").message


def test_verdict_with_empty_owns_first() -> None:
    problems = broken(lambda d: root(d)["verdicts"]["tpm"].update(owns_first=[]))
    only(problems, entry="tpm", field="owns_first")


def test_unknown_rule_bound() -> None:
    problems = broken(lambda d: root(d)["rules"][1].update(min_lead=3))
    only(problems, entry="rules[1]", field="min_lead")


def test_rule_bound_must_be_a_number() -> None:
    problems = broken(lambda d: root(d)["rules"][1].update(min_tpm_lead="3"))
    assert only(problems, entry="rules[1]", field="min_tpm_lead").message.startswith(
        "expected a number"
    )


def test_no_program_option_means_the_note_could_never_show() -> None:
    problems = broken(lambda d: option(d, "delivery").pop("program"))
    only(problems, entry="walkthrough", field="program_manager_note")


def test_too_few_questions() -> None:
    problems = broken(lambda d: root(d).update(questions=root(d)["questions"][:4]))
    assert "needs 5 to 8" in only(problems, entry="walkthrough", field="questions").message


def test_every_problem_is_collected_in_one_pass() -> None:
    def mutate(d: Any) -> None:
        option(d, "growth").update(pm="lots", colour="red")
        option(d, "platform").update(label="y" * 80)
        option(d, "light").update(id="features")
        question(d, "debt").pop("text")
        root(d)["verdicts"]["pm"].pop("summary")
        root(d)["rules"][1]["max_pm"] = "ten"

    problems = broken(mutate)
    assert {(p.entry, p.field) for p in problems} == {
        ("growth", "pm"),
        ("growth", "colour"),
        ("platform", "label"),
        ("features", "id"),
        ("debt", "text"),
        ("pm", "summary"),
        ("rules[1]", "max_pm"),
    }


@pytest.mark.parametrize("data", [None, [], "walkthrough", {"walkthrough": []}])
def test_wrong_shapes_are_problems_not_crashes(data: Any) -> None:
    walkthrough, problems = parse(data)
    assert walkthrough is None
    assert problems


# --- reachability -------------------------------------------------------------------------------


def test_unreachable_verdict_through_thresholds() -> None:
    data = load_data()
    expected_line = root(data)["verdicts"].line_of("both")

    problems = broken(lambda d: root(d)["rules"][0].update(min_pm=100))

    problem = only(problems, entry="both", field="both")
    assert "no combination of answers reaches this verdict" in problem.message
    assert "PM 1 to 16, TPM 0 to 19" in problem.message
    assert problem.line == expected_line
    assert len(problems) == 1


def test_verdict_without_any_rule_is_unreachable() -> None:
    problems = broken(lambda d: root(d)["rules"].pop(0))
    only(problems, entry="both", field="both")


def test_answers_matching_no_rule() -> None:
    problems = broken(lambda d: root(d)["rules"].pop())
    problem = only(problems, entry="rules", field=None)
    assert "match no rule" in problem.message
    assert "pm-now-tpm-later" in {p.entry for p in problems}


# --- derived values -----------------------------------------------------------------------------


def test_fingerprint_follows_ids_and_order_but_not_wording_or_weights() -> None:
    def fingerprint_after(mutate: Callable[[Any], None]) -> str:
        data = copy.deepcopy(load_data())
        mutate(data)
        walkthrough, problems = parse(data)
        assert walkthrough is not None, problems
        return walkthrough.fingerprint

    original = fingerprint_after(lambda d: None)
    assert (
        fingerprint_after(lambda d: option(d, "growth").update(label="Growth", pm=2.5)) == original
    )
    assert fingerprint_after(lambda d: question(d, "stage")["options"].reverse()) != original
    assert fingerprint_after(lambda d: option(d, "growth").update(id="gtm")) != original


def test_fractional_weights_meet_their_threshold_exactly() -> None:
    options = [Option(id=f"o{i}", label="x", pm=0.1, tpm=0.0, reason="r") for i in range(3)]
    assert total_scores(options) == (0.3, 0.0)
    assert Rule(verdict="pm", min_pm=0.3).matches(pm=total_scores(options)[0], tpm=0.0)
