"""Walkthrough state carried in Slack button values, so there is no server-side session to lose.

A value looks like `w1:4aae2a04:U012AB3CD:pre-pmf.growth:dm`: version, content fingerprint,
owner, answers (option ids) and a short free `extra`. Anything that does not decode exactly into
a state of the current walkthrough is stale: old buttons are refused, never reinterpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.knowledge.decision import Walkthrough
from bot.walkthrough.engine import InvalidAnswers, resolve_answers

VERSION = "w1"
MAX_VALUE_LENGTH = 2000  # Slack's limit for a button value
MAX_OWNER = 32
MAX_EXTRA = 32

_VALUE = re.compile(
    rf"{VERSION}:(?P<fingerprint>[0-9a-f]{{8}}):(?P<owner>[A-Za-z0-9]{{1,{MAX_OWNER}}})"
    r":(?P<answers>(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*)?)"
    rf":(?P<extra>[A-Za-z0-9_-]{{0,{MAX_EXTRA}}})"
)


class StaleState(ValueError):
    """The button value cannot be trusted for the walkthrough as it is now."""


@dataclass(frozen=True)
class State:
    owner: str
    answers: tuple[str, ...]
    fingerprint: str
    extra: str = ""

    def answered(self, option_id: str) -> State:
        return replace(self, answers=(*self.answers, option_id))

    def back(self) -> State:
        return replace(self, answers=self.answers[:-1])

    def start_over(self) -> State:
        return replace(self, answers=())


def new_state(walkthrough: Walkthrough, *, owner: str, extra: str = "") -> State:
    return State(owner=owner, answers=(), fingerprint=walkthrough.fingerprint, extra=extra)


def encode_state(state: State) -> str:
    """Refuses (ValueError) to write a value that decode_state could not read back."""
    value = ":".join(
        (VERSION, state.fingerprint, state.owner, ".".join(state.answers), state.extra)
    )
    if _parse(value) != state:
        raise ValueError(f"state cannot be encoded as a button value: {state!r}")
    return value


def _parse(value: str) -> State | None:
    match = _VALUE.fullmatch(value) if len(value) <= MAX_VALUE_LENGTH else None
    if match is None:
        return None
    return State(
        owner=match["owner"],
        answers=tuple(match["answers"].split(".")) if match["answers"] else (),
        fingerprint=match["fingerprint"],
        extra=match["extra"],
    )


def decode_state(value: object, walkthrough: Walkthrough) -> State:
    if not isinstance(value, str):
        raise StaleState("not a walkthrough button value")
    if not value.startswith(f"{VERSION}:"):
        raise StaleState("button from another version of the walkthrough")
    state = _parse(value)
    if state is None:
        raise StaleState("malformed walkthrough button value")
    if state.fingerprint != walkthrough.fingerprint:
        raise StaleState("the walkthrough questions changed since this button was posted")
    try:
        resolve_answers(walkthrough, state.answers)
    except InvalidAnswers as exc:
        raise StaleState(f"answers do not fit the walkthrough: {exc}") from exc
    return state
