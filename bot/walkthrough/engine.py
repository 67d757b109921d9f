"""The walkthrough engine: answers in, next question or verdict out. Pure, so every path through
the decision can be enumerated in tests and the Slack layer only renders what it gets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.knowledge.decision import Option, Question, Walkthrough, total_scores

STRONG_LEAN = 0.5
MILD_LEAN = 0.15


class InvalidAnswers(ValueError):
    """The answers do not fit the walkthrough: an unknown option or more answers than questions."""


@dataclass(frozen=True)
class Lean:
    """value is in [-1, 1]: -1 is all PM, 1 is all TPM."""

    value: float
    label: str


@dataclass(frozen=True)
class NextQuestion:
    number: int
    total: int
    question: Question

    @property
    def progress(self) -> str:
        return f"Question {self.number} of {self.total}"

    @property
    def can_go_back(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class Result:
    verdict_id: str
    title: str
    summary: str
    lean: Lean
    reasons: tuple[str, ...]
    owns_first: tuple[str, ...]
    program_manager_note: str | None
    pm_score: float
    tpm_score: float


def resolve_answers(walkthrough: Walkthrough, answers: tuple[str, ...]) -> tuple[Option, ...]:
    """Answers are option ids in question order; anything else is refused, never guessed."""
    questions = walkthrough.questions
    if len(answers) > len(questions):
        raise InvalidAnswers(f"{len(answers)} answers for {len(questions)} questions")
    chosen: list[Option] = []
    for question, option_id in zip(questions, answers, strict=False):
        option = question.option(option_id)
        if option is None:
            raise InvalidAnswers(f"{option_id!r} is not an option of question {question.id!r}")
        chosen.append(option)
    return tuple(chosen)


def step(walkthrough: Walkthrough, answers: tuple[str, ...]) -> NextQuestion | Result:
    chosen = resolve_answers(walkthrough, answers)
    total = len(walkthrough.questions)
    if len(chosen) < total:
        return NextQuestion(
            number=len(chosen) + 1, total=total, question=walkthrough.questions[len(chosen)]
        )
    return _result(walkthrough, chosen)


def back(answers: tuple[str, ...]) -> tuple[str, ...]:
    return answers[:-1]


def start_over() -> tuple[str, ...]:
    return ()


def lean_of(*, pm: float, tpm: float) -> Lean:
    """Share of the total, not the raw gap, so the label reads the same whatever the weights."""
    total = pm + tpm
    value = 0.0 if total <= 0 else round((tpm - pm) / total, 2)
    side = "TPM" if value > 0 else "PM"
    if abs(value) >= STRONG_LEAN:
        label = f"leans strongly {side}"
    elif abs(value) >= MILD_LEAN:
        label = f"leans {side}"
    else:
        label = "balanced between PM and TPM"
    return Lean(value=value, label=label)


_PUSH: dict[str, Callable[[Option], float]] = {
    "pm": lambda o: o.pm - o.tpm,
    "tpm": lambda o: o.tpm - o.pm,
    "both": lambda o: max(o.pm, o.tpm),
    "pm-now-tpm-later": lambda o: max(o.pm, o.tpm),
}


def reasons_for(verdict_id: str, chosen: tuple[Option, ...]) -> tuple[str, ...]:
    """A single-role verdict cites answers pointing its way; a two-role verdict cites both sides."""
    push = _PUSH[verdict_id]
    ranked = sorted((o for o in chosen if push(o) > 0), key=push, reverse=True)
    return tuple(dict.fromkeys(o.reason for o in ranked))


def _result(walkthrough: Walkthrough, chosen: tuple[Option, ...]) -> Result:
    pm, tpm = total_scores(chosen)
    verdict_id = walkthrough.verdict_for(pm=pm, tpm=tpm)
    if verdict_id is None:
        raise LookupError(f"no rule matches PM {pm:g}, TPM {tpm:g}; was the walkthrough validated?")
    verdict = walkthrough.verdict(verdict_id)
    program = any(o.program for o in chosen)
    return Result(
        verdict_id=verdict.id,
        title=verdict.title,
        summary=verdict.summary,
        lean=lean_of(pm=pm, tpm=tpm),
        reasons=reasons_for(verdict.id, chosen),
        owns_first=verdict.owns_first,
        program_manager_note=walkthrough.program_manager_note if program else None,
        pm_score=pm,
        tpm_score=tpm,
    )
