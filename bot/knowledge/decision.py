"""The hiring walkthrough as data, so a company can retune questions, weights and verdict rules
in decision.yml without touching code. Parsing is strict and reports every problem at once."""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.knowledge.problems import Problem
from bot.knowledge.schema import Field, Report, entry_name, raw_id
from bot.knowledge.yaml_source import kind_of

TOP_KEY = "walkthrough"
VERDICT_IDS: tuple[str, ...] = ("pm", "tpm", "both", "pm-now-tpm-later")
BOUNDS: tuple[str, ...] = (
    "min_pm",
    "max_pm",
    "min_tpm",
    "max_tpm",
    "min_tpm_lead",
    "max_tpm_lead",
)

MIN_QUESTIONS, MAX_QUESTIONS = 5, 8
MIN_OPTIONS, MAX_OPTIONS = 2, 4
MAX_ID = 24
MAX_QUESTION_TEXT = 2000
MAX_HELP = 500
MAX_LABEL = 75  # Slack's limit for button text
MAX_REASON = 100
MAX_TITLE = 150  # Slack's limit for a header block
MAX_SUMMARY = 1500
MAX_OWNS_FIRST = 6
MAX_OWNS_FIRST_ITEM = 150
MAX_NOTE = 1000
MAX_WEIGHT = 10

_SCORE_DIGITS = 6


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    pm: float
    tpm: float
    reason: str
    program: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[Option, ...]
    help: str | None = None

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Verdict:
    id: str
    title: str
    summary: str
    owns_first: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """Inclusive bounds on the two scores; tpm_lead is the TPM score minus the PM score."""

    verdict: str
    min_pm: float | None = None
    max_pm: float | None = None
    min_tpm: float | None = None
    max_tpm: float | None = None
    min_tpm_lead: float | None = None
    max_tpm_lead: float | None = None

    def matches(self, *, pm: float, tpm: float) -> bool:
        lead = round(tpm - pm, _SCORE_DIGITS)
        return (
            _within(pm, self.min_pm, self.max_pm)
            and _within(tpm, self.min_tpm, self.max_tpm)
            and _within(lead, self.min_tpm_lead, self.max_tpm_lead)
        )


@dataclass(frozen=True)
class Walkthrough:
    questions: tuple[Question, ...]
    verdicts: tuple[Verdict, ...]
    rules: tuple[Rule, ...]
    program_manager_note: str
    fingerprint: str

    def verdict(self, verdict_id: str) -> Verdict:
        for verdict in self.verdicts:
            if verdict.id == verdict_id:
                return verdict
        raise KeyError(verdict_id)

    def verdict_for(self, *, pm: float, tpm: float) -> str | None:
        """First matching rule wins, so authors order rules from most to least specific."""
        return next((r.verdict for r in self.rules if r.matches(pm=pm, tpm=tpm)), None)


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def total_scores(options: Iterable[Option]) -> tuple[float, float]:
    """Rounded so that float weights like 0.1 + 0.2 compare equal to a threshold of 0.3."""
    chosen = tuple(options)
    pm = round(math.fsum(o.pm for o in chosen), _SCORE_DIGITS)
    tpm = round(math.fsum(o.tpm for o in chosen), _SCORE_DIGITS)
    return pm, tpm


def content_fingerprint(questions: Iterable[Question]) -> str:
    """Covers ids and their order, the things an old Slack button's answers refer to."""
    text = "\n".join(f"{q.id}:{','.join(o.id for o in q.options)}" for q in questions)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


# --- parsing ------------------------------------------------------------------------------------

_OPTION = {
    "id": Field.ident(MAX_ID),
    "label": Field.text(MAX_LABEL),
    "pm": Field.number(low=0, high=MAX_WEIGHT),
    "tpm": Field.number(low=0, high=MAX_WEIGHT),
    "reason": Field.text(MAX_REASON),
    "program": Field.flag(required=False),
}
_QUESTION = {
    "id": Field.ident(MAX_ID),
    "text": Field.text(MAX_QUESTION_TEXT),
    "options": Field.items(min_items=MIN_OPTIONS, max_items=MAX_OPTIONS),
    "help": Field.text(MAX_HELP, required=False),
}
_VERDICT = {
    "title": Field.text(MAX_TITLE),
    "summary": Field.text(MAX_SUMMARY),
    "owns_first": Field.texts(min_items=1, max_items=MAX_OWNS_FIRST, max_len=MAX_OWNS_FIRST_ITEM),
}
_VERDICTS = {verdict_id: Field.anything() for verdict_id in VERDICT_IDS}
_RULE = {"verdict": Field.anything(), **{key: Field.number(required=False) for key in BOUNDS}}
_ROOT = {
    "program_manager_note": Field.text(MAX_NOTE),
    "questions": Field.items(min_items=MIN_QUESTIONS, max_items=MAX_QUESTIONS),
    "verdicts": Field.anything(),
    "rules": Field.anything(),
}


def _parse_option(node: Any, *, entry: str, report: Report) -> Option | None:
    checked = report.mapping(node, _OPTION, entry=entry, what="an option")
    if checked is None or not checked.ok:
        return None
    values = checked.values
    return Option(
        id=values["id"],
        label=values["label"],
        pm=values["pm"],
        tpm=values["tpm"],
        reason=values["reason"],
        program=values.get("program") is True,
    )


def _parse_question(node: Any, *, entry: str, report: Report) -> Question | None:
    checked = report.mapping(node, _QUESTION, entry=entry, what="a question")
    if checked is None:
        return None
    options = [
        _parse_option(item, entry=entry_name(item, f"{entry}.options[{i}]"), report=report)
        for i, item in enumerate(checked.values.get("options", []))
    ]
    if not checked.ok or None in options:
        return None
    return Question(
        id=checked.values["id"],
        text=checked.values["text"],
        options=tuple(o for o in options if o is not None),
        help=checked.values.get("help"),
    )


def _parse_verdict(verdict_id: str, node: Any, *, report: Report) -> Verdict | None:
    checked = report.mapping(node, _VERDICT, entry=verdict_id, what="a verdict")
    if checked is None or not checked.ok:
        return None
    return Verdict(id=verdict_id, **checked.values)


def _parse_verdicts(node: Any, *, report: Report) -> tuple[Verdict, ...] | None:
    checked = report.mapping(node, _VERDICTS, entry="verdicts", what="the verdicts")
    if checked is None:
        return None
    verdicts = [_parse_verdict(vid, value, report=report) for vid, value in checked.values.items()]
    if not checked.ok or None in verdicts:
        return None
    return tuple(v for v in verdicts if v is not None)


def _parse_rule(node: Any, *, entry: str, report: Report) -> Rule | None:
    checked = report.mapping(node, _RULE, entry=entry, what="a rule")
    if checked is None:
        return None
    verdict = checked.values.get("verdict")
    if verdict is not None and verdict not in VERDICT_IDS:
        report.add(
            node,
            f"unknown verdict {verdict!r} (expected one of: {', '.join(VERDICT_IDS)})",
            entry=entry,
            key="verdict",
        )
        return None
    if not checked.ok:
        return None
    return Rule(**checked.values)


def _parse_rules(node: Any, *, report: Report) -> tuple[Rule, ...] | None:
    if not isinstance(node, list) or not node:
        report.add(node, f"expected a non-empty list of rules, got {kind_of(node)}", entry="rules")
        return None
    rules = [_parse_rule(item, entry=f"rules[{i}]", report=report) for i, item in enumerate(node)]
    if None in rules:
        return None
    return tuple(r for r in rules if r is not None)


def _check_unique_ids(question_nodes: list[Any], report: Report) -> None:
    """Option ids are unique across the whole walkthrough so an answer path reads on its own.

    Checked on the raw nodes, so a duplicate is reported even next to other problems.
    """
    report.unique_ids(question_nodes, what="question id")
    seen_options: dict[str, str] = {}
    for index, node in enumerate(question_nodes):
        question_id = entry_name(node, f"questions[{index}]")
        options = node.get("options") if isinstance(node, dict) else None
        for option_node in options if isinstance(options, list) else []:
            option_id = raw_id(option_node)
            if option_id is None:
                continue
            if option_id in seen_options:
                report.add(
                    option_node,
                    f"duplicate option id (already used in question '{seen_options[option_id]}')",
                    entry=option_id,
                    key="id",
                )
            seen_options.setdefault(option_id, question_id)


def _check_program_option(questions: tuple[Question, ...], root: Any, report: Report) -> None:
    if not any(o.program for q in questions for o in q.options):
        report.add(
            root,
            "no option has 'program: true', so this note can never be shown",
            entry=TOP_KEY,
            key="program_manager_note",
        )


def _check_outcomes(
    walkthrough: Walkthrough, *, verdicts_node: Any, rules_node: Any, report: Report
) -> None:
    """Every combination must end in a verdict, and every verdict must be reachable."""
    reached: set[str] = set()
    unmatched = total = 0
    example: tuple[Option, ...] | None = None
    for combination in itertools.product(*(q.options for q in walkthrough.questions)):
        pm, tpm = total_scores(combination)
        verdict = walkthrough.verdict_for(pm=pm, tpm=tpm)
        total += 1
        if verdict is None:
            unmatched += 1
            example = example or combination
        else:
            reached.add(verdict)
    if example is not None:
        pm, tpm = total_scores(example)
        report.add(
            rules_node,
            f"{unmatched} of {total} answer combinations match no rule, e.g. "
            f"{', '.join(o.id for o in example)} (PM {pm:g}, TPM {tpm:g}); "
            "end the rules with one that has no bounds",
            entry="rules",
        )
    for verdict_id in VERDICT_IDS:
        if verdict_id not in reached:
            report.add(
                verdicts_node,
                "no combination of answers reaches this verdict (scores range over "
                f"{_score_ranges(walkthrough.questions)}); adjust the rules' bounds",
                entry=verdict_id,
                key=verdict_id,
            )


def _score_ranges(questions: tuple[Question, ...]) -> str:
    lowest = total_scores(min(q.options, key=lambda o: o.pm) for q in questions)[0]
    highest = total_scores(max(q.options, key=lambda o: o.pm) for q in questions)[0]
    fewest = total_scores(min(q.options, key=lambda o: o.tpm) for q in questions)[1]
    most = total_scores(max(q.options, key=lambda o: o.tpm) for q in questions)[1]
    return f"PM {lowest:g} to {highest:g}, TPM {fewest:g} to {most:g}"


def parse_walkthrough(data: Any, *, file: str, problems: list[Problem]) -> Walkthrough | None:
    """Validate decision.yml; return None when this file added any problem."""
    report = Report(file=file, problems=problems)
    before = len(problems)
    root = report.top(data, TOP_KEY)
    checked = (
        None if root is None else report.mapping(root, _ROOT, entry=TOP_KEY, what="the walkthrough")
    )
    if checked is None:
        return None
    values = checked.values
    raw_questions: list[Any] = values.get("questions", [])
    parsed = [
        _parse_question(node, entry=entry_name(node, f"questions[{i}]"), report=report)
        for i, node in enumerate(raw_questions)
    ]
    _check_unique_ids(raw_questions, report)
    questions = tuple(q for q in parsed if q is not None)
    if "questions" in values and len(questions) == len(parsed):
        _check_program_option(questions, root, report)
    verdicts = _parse_verdicts(values["verdicts"], report=report) if "verdicts" in values else None
    rules = _parse_rules(values["rules"], report=report) if "rules" in values else None
    if len(problems) > before or verdicts is None or rules is None:
        return None
    walkthrough = Walkthrough(
        questions=questions,
        verdicts=verdicts,
        rules=rules,
        program_manager_note=values["program_manager_note"],
        fingerprint=content_fingerprint(questions),
    )
    _check_outcomes(
        walkthrough, verdicts_node=root["verdicts"], rules_node=root["rules"], report=report
    )
    return walkthrough if len(problems) == before else None
