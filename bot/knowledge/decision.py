"""The hiring walkthrough as data, so a company can retune questions, weights and verdict rules
in decision.yml without touching code. Parsing is strict and reports every problem at once."""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.knowledge.problems import Problem
from bot.knowledge.yaml_source import kind_of, line_of

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

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
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
#
# Each helper reports what is wrong with its own value and returns None; a missing value was
# already reported by _fields, so helpers pass it over silently instead of reporting it twice.


@dataclass(frozen=True)
class _Report:
    file: str
    problems: list[Problem]

    def add(self, node: Any, message: str, *, entry: str | None, key: str | None = None) -> None:
        self.problems.append(
            Problem(
                file=self.file, message=message, entry=entry, field=key, line=line_of(node, key)
            )
        )


def _fields(
    node: Any,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    entry: str | None,
    report: _Report,
    what: str,
) -> bool:
    """Unknown and missing keys are both errors: a typo must never silently drop content.

    Returns whether the node is a mapping at all, so its known fields can still be checked.
    """
    if not isinstance(node, dict):
        report.add(node, f"expected {what} as a mapping, got {kind_of(node)}", entry=entry)
        return False
    allowed = required + optional
    for key in node:
        if key not in allowed:
            report.add(
                node, f"unknown field (allowed: {', '.join(allowed)})", entry=entry, key=str(key)
            )
    for key in required:
        if node.get(key) is None:
            report.add(node, "missing required field", entry=entry, key=key)
    return True


def _text(
    node: Mapping[str, Any], key: str, *, limit: int, entry: str, report: _Report
) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        report.add(node, f"expected non-empty text, got {kind_of(value)}", entry=entry, key=key)
        return None
    text = value.strip()
    if len(text) > limit:
        report.add(
            node, f"is {len(text)} characters, over the limit of {limit}", entry=entry, key=key
        )
        return None
    return text


def _texts(
    node: Mapping[str, Any], key: str, *, high: int, limit: int, entry: str, report: _Report
) -> tuple[str, ...] | None:
    items = _list(node, key, low=1, high=high, entry=entry, report=report)
    if items is None:
        return None
    if not all(isinstance(item, str) and item.strip() for item in items):
        report.add(node, "expected a list of non-empty texts", entry=entry, key=key)
        return None
    if any(len(item.strip()) > limit for item in items):
        report.add(node, f"an item is over {limit} characters", entry=entry, key=key)
        return None
    return tuple(item.strip() for item in items)


def _identifier(node: Mapping[str, Any], *, entry: str, report: _Report) -> str | None:
    value = node.get("id")
    if value is None:
        return None
    if not isinstance(value, str) or not _ID.fullmatch(value) or len(value) > MAX_ID:
        report.add(
            node,
            f"expected a lowercase-kebab id of at most {MAX_ID} characters, got {value!r}",
            entry=entry,
            key="id",
        )
        return None
    return value


def _number(
    node: Mapping[str, Any], key: str, *, entry: str, report: _Report, weight: bool = False
) -> float | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        report.add(node, f"expected a number, got {kind_of(value)}", entry=entry, key=key)
        return None
    if weight and not 0 <= value <= MAX_WEIGHT:
        report.add(node, f"must be between 0 and {MAX_WEIGHT}, got {value:g}", entry=entry, key=key)
        return None
    return float(value)


def _list(
    node: Mapping[str, Any], key: str, *, low: int, high: int, entry: str, report: _Report
) -> list[Any] | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        report.add(node, f"expected a list, got {kind_of(value)}", entry=entry, key=key)
        return None
    if not low <= len(value) <= high:
        report.add(node, f"has {len(value)} items, needs {low} to {high}", entry=entry, key=key)
        return None
    return value


def _entry_name(node: Any, fallback: str) -> str:
    """Name entries by their id when they have one, by position otherwise."""
    if isinstance(node, dict) and isinstance(node.get("id"), str) and node["id"].strip():
        return node["id"]
    return fallback


def _parse_option(node: Any, *, entry: str, report: _Report) -> Option | None:
    if not _fields(
        node,
        required=("id", "label", "pm", "tpm", "reason"),
        optional=("program",),
        entry=entry,
        report=report,
        what="an option",
    ):
        return None
    option_id = _identifier(node, entry=entry, report=report)
    label = _text(node, "label", limit=MAX_LABEL, entry=entry, report=report)
    pm = _number(node, "pm", entry=entry, report=report, weight=True)
    tpm = _number(node, "tpm", entry=entry, report=report, weight=True)
    reason = _text(node, "reason", limit=MAX_REASON, entry=entry, report=report)
    program = node.get("program")
    if program is not None and not isinstance(program, bool):
        report.add(
            node, f"expected true or false, got {kind_of(program)}", entry=entry, key="program"
        )
        return None
    if option_id is None or label is None or pm is None or tpm is None or reason is None:
        return None
    return Option(id=option_id, label=label, pm=pm, tpm=tpm, reason=reason, program=program is True)


def _parse_question(node: Any, *, entry: str, report: _Report) -> Question | None:
    if not _fields(
        node,
        required=("id", "text", "options"),
        optional=("help",),
        entry=entry,
        report=report,
        what="a question",
    ):
        return None
    question_id = _identifier(node, entry=entry, report=report)
    text = _text(node, "text", limit=MAX_QUESTION_TEXT, entry=entry, report=report)
    help_text = _text(node, "help", limit=MAX_HELP, entry=entry, report=report)
    bad_help = node.get("help") is not None and help_text is None
    raw = _list(node, "options", low=MIN_OPTIONS, high=MAX_OPTIONS, entry=entry, report=report)
    options = [
        _parse_option(item, entry=_entry_name(item, f"{entry}.options[{i}]"), report=report)
        for i, item in enumerate(raw or [])
    ]
    if question_id is None or text is None or bad_help or raw is None or None in options:
        return None
    return Question(
        id=question_id,
        text=text,
        options=tuple(o for o in options if o is not None),
        help=help_text,
    )


def _parse_verdict(verdict_id: str, node: Any, *, report: _Report) -> Verdict | None:
    if not _fields(
        node,
        required=("title", "summary", "owns_first"),
        entry=verdict_id,
        report=report,
        what="a verdict",
    ):
        return None
    title = _text(node, "title", limit=MAX_TITLE, entry=verdict_id, report=report)
    summary = _text(node, "summary", limit=MAX_SUMMARY, entry=verdict_id, report=report)
    owns_first = _texts(
        node,
        "owns_first",
        high=MAX_OWNS_FIRST,
        limit=MAX_OWNS_FIRST_ITEM,
        entry=verdict_id,
        report=report,
    )
    if title is None or summary is None or owns_first is None:
        return None
    return Verdict(id=verdict_id, title=title, summary=summary, owns_first=owns_first)


def _parse_verdicts(node: Any, *, report: _Report) -> tuple[Verdict, ...] | None:
    if node is None or not _fields(
        node, required=VERDICT_IDS, entry="verdicts", report=report, what="the verdicts"
    ):
        return None
    verdicts = [
        _parse_verdict(vid, node[vid], report=report)
        for vid in VERDICT_IDS
        if node.get(vid) is not None
    ]
    if len(verdicts) < len(VERDICT_IDS) or None in verdicts:
        return None
    return tuple(v for v in verdicts if v is not None)


def _parse_rule(node: Any, *, entry: str, report: _Report) -> Rule | None:
    if not _fields(
        node, required=("verdict",), optional=BOUNDS, entry=entry, report=report, what="a rule"
    ):
        return None
    verdict = node.get("verdict")
    if verdict is not None and verdict not in VERDICT_IDS:
        report.add(
            node,
            f"unknown verdict {verdict!r} (expected one of: {', '.join(VERDICT_IDS)})",
            entry=entry,
            key="verdict",
        )
        return None
    bounds = {
        key: _number(node, key, entry=entry, report=report)
        for key in BOUNDS
        if node.get(key) is not None
    }
    if verdict is None or None in bounds.values():
        return None
    return Rule(verdict=verdict, **bounds)


def _parse_rules(node: Any, *, report: _Report) -> tuple[Rule, ...] | None:
    if node is None:
        return None
    if not isinstance(node, list) or not node:
        report.add(node, f"expected a non-empty list of rules, got {kind_of(node)}", entry="rules")
        return None
    rules = [_parse_rule(item, entry=f"rules[{i}]", report=report) for i, item in enumerate(node)]
    if None in rules:
        return None
    return tuple(r for r in rules if r is not None)


def _ids(nodes: Any) -> list[tuple[Any, str]]:
    if not isinstance(nodes, list):
        return []
    return [(n, n["id"]) for n in nodes if isinstance(n, dict) and isinstance(n.get("id"), str)]


def _check_unique_ids(question_nodes: list[Any], report: _Report) -> None:
    """Option ids are unique across the whole walkthrough so an answer path reads on its own.

    Checked on the raw nodes, so a duplicate is reported even next to other problems.
    """
    seen_questions: set[str] = set()
    seen_options: dict[str, str] = {}
    for node, question_id in _ids(question_nodes):
        if question_id in seen_questions:
            report.add(node, "duplicate question id", entry=question_id, key="id")
        seen_questions.add(question_id)
        for option_node, option_id in _ids(node.get("options")):
            if option_id in seen_options:
                report.add(
                    option_node,
                    f"duplicate option id (already used in question '{seen_options[option_id]}')",
                    entry=option_id,
                    key="id",
                )
            seen_options.setdefault(option_id, question_id)


def _check_program_option(questions: tuple[Question, ...], root: Any, report: _Report) -> None:
    if not any(o.program for q in questions for o in q.options):
        report.add(
            root,
            "no option has 'program: true', so this note can never be shown",
            entry=TOP_KEY,
            key="program_manager_note",
        )


def _check_outcomes(
    walkthrough: Walkthrough, *, verdicts_node: Any, rules_node: Any, report: _Report
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
    report = _Report(file=file, problems=problems)
    before = len(problems)
    if not _fields(data, required=(TOP_KEY,), entry=None, report=report, what="the file"):
        return None
    root = data.get(TOP_KEY)
    if root is None or not _fields(
        root,
        required=("program_manager_note", "questions", "verdicts", "rules"),
        entry=TOP_KEY,
        report=report,
        what="the walkthrough",
    ):
        return None
    note = _text(root, "program_manager_note", limit=MAX_NOTE, entry=TOP_KEY, report=report)
    raw_questions = _list(
        root, "questions", low=MIN_QUESTIONS, high=MAX_QUESTIONS, entry=TOP_KEY, report=report
    )
    parsed = [
        _parse_question(node, entry=_entry_name(node, f"questions[{i}]"), report=report)
        for i, node in enumerate(raw_questions or [])
    ]
    _check_unique_ids(raw_questions or [], report)
    questions = tuple(q for q in parsed if q is not None)
    if raw_questions is not None and len(questions) == len(parsed):
        _check_program_option(questions, root, report)
    verdicts = _parse_verdicts(root.get("verdicts"), report=report)
    rules = _parse_rules(root.get("rules"), report=report)
    if len(problems) > before or note is None or verdicts is None or rules is None:
        return None
    walkthrough = Walkthrough(
        questions=questions,
        verdicts=verdicts,
        rules=rules,
        program_manager_note=note,
        fingerprint=content_fingerprint(questions),
    )
    _check_outcomes(
        walkthrough, verdicts_node=root["verdicts"], rules_node=root["rules"], report=report
    )
    return walkthrough if len(problems) == before else None
