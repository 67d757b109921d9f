"""Button values must round-trip, and anything else must fail as StaleState, never as a crash."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.knowledge.decision import Walkthrough, parse_walkthrough
from bot.knowledge.problems import Problem
from bot.knowledge.yaml_source import load_yaml
from bot.walkthrough.state import (
    MAX_VALUE_LENGTH,
    VERSION,
    StaleState,
    State,
    decode_state,
    encode_state,
    new_state,
)

DECISION = Path(__file__).resolve().parents[1] / "knowledge" / "decision.yml"


def load_walkthrough(reorder_first_question: bool = False) -> Walkthrough:
    problems: list[Problem] = []
    data = load_yaml(DECISION, problems)
    if reorder_first_question:
        data = copy.deepcopy(data)
        data["walkthrough"]["questions"][0]["options"].reverse()
    walkthrough = parse_walkthrough(data, file=DECISION.name, problems=problems)
    assert walkthrough is not None, problems
    return walkthrough


WALKTHROUGH = load_walkthrough()
OWNER = "U012AB3CD"

owners = st.from_regex(r"[A-Z0-9]{1,32}", fullmatch=True)
extras = st.from_regex(r"[A-Za-z0-9_-]{0,32}", fullmatch=True)


@st.composite
def states(draw: st.DrawFn) -> State:
    count = draw(st.integers(0, len(WALKTHROUGH.questions)))
    answers = tuple(
        draw(st.sampled_from([o.id for o in q.options])) for q in WALKTHROUGH.questions[:count]
    )
    return State(
        owner=draw(owners),
        answers=answers,
        fingerprint=WALKTHROUGH.fingerprint,
        extra=draw(extras),
    )


def value_for(answers: tuple[str, ...], *, extra: str = "") -> str:
    state = new_state(WALKTHROUGH, owner=OWNER, extra=extra)
    for option_id in answers:
        state = state.answered(option_id)
    return encode_state(state)


# --- round trip ---------------------------------------------------------------------------------


@given(states())
def test_every_valid_state_round_trips(state: State) -> None:
    value = encode_state(state)
    assert value.startswith(f"{VERSION}:")
    assert decode_state(value, WALKTHROUGH) == state


def test_value_is_readable_and_compact() -> None:
    value = value_for(("pre-pmf", "growth"), extra="dm")
    assert value == f"w1:{WALKTHROUGH.fingerprint}:{OWNER}:pre-pmf.growth:dm"


def test_the_longest_real_value_stays_well_under_the_budget() -> None:
    paths = itertools.product(*([o.id for o in q.options] for q in WALKTHROUGH.questions))
    longest = max(len(value_for(p, extra="x" * 16)) for p in paths)
    assert longest < 200


def test_state_helpers_answer_go_back_and_start_over() -> None:
    state = new_state(WALKTHROUGH, owner=OWNER, extra="c")
    answered = state.answered("pre-pmf").answered("growth")
    assert answered.answers == ("pre-pmf", "growth")
    assert answered.back().answers == ("pre-pmf",)
    assert answered.start_over() == state
    assert state.back() == state


# --- garbage never escapes as anything but StaleState -------------------------------------------


@given(st.text(max_size=300))
def test_arbitrary_text_is_stale_or_a_real_state(value: str) -> None:
    try:
        state = decode_state(value, WALKTHROUGH)
    except StaleState:
        return
    assert encode_state(state) == value


@given(st.data())
def test_edited_values_are_stale_or_decode_to_exactly_what_they_say(data: st.DataObject) -> None:
    value = encode_state(data.draw(states()))
    position = data.draw(st.integers(0, len(value)))
    edit = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    char = data.draw(st.characters())
    if edit == "insert":
        value = value[:position] + char + value[position:]
    elif edit == "delete":
        value = value[:position] + value[position + 1 :]
    else:
        value = value[:position] + char + value[position + 1 :]
    try:
        state = decode_state(value, WALKTHROUGH)
    except StaleState:
        return
    assert encode_state(state) == value


@pytest.mark.parametrize("value", [None, 42, b"w1:abc", ["w1"], {"v": "w1"}])
def test_non_text_values_are_stale(value: object) -> None:
    with pytest.raises(StaleState):
        decode_state(value, WALKTHROUGH)


def test_stale_state_is_a_value_error() -> None:
    assert issubclass(StaleState, ValueError)


# --- specific stale values ----------------------------------------------------------------------


def test_wrong_version_is_stale() -> None:
    value = value_for(("pre-pmf",))
    with pytest.raises(StaleState, match="version"):
        decode_state("w2" + value[2:], WALKTHROUGH)


def test_changed_walkthrough_makes_old_buttons_stale() -> None:
    changed = load_walkthrough(reorder_first_question=True)
    assert changed.fingerprint != WALKTHROUGH.fingerprint
    value = value_for(("pre-pmf",))
    with pytest.raises(StaleState, match="changed"):
        decode_state(value, changed)


def test_unknown_answer_is_stale() -> None:
    value = f"w1:{WALKTHROUGH.fingerprint}:{OWNER}:pre-pmf.nonsense:"
    with pytest.raises(StaleState, match="answers"):
        decode_state(value, WALKTHROUGH)


def test_answer_in_the_wrong_position_is_stale() -> None:
    value = f"w1:{WALKTHROUGH.fingerprint}:{OWNER}:growth:"
    with pytest.raises(StaleState):
        decode_state(value, WALKTHROUGH)


def test_too_many_answers_is_stale() -> None:
    full = ("scaling", "systems", "platform", "migration", "many-teams", "feasibility")
    value = f"w1:{WALKTHROUGH.fingerprint}:{OWNER}:{'.'.join((*full, 'can-it-hold', 'mixed'))}:"
    with pytest.raises(StaleState, match="answers"):
        decode_state(value, WALKTHROUGH)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "w1",
        "w1:",
        "w1::U1::",
        f"w1:{'0' * 8}:U1::",
        "w1:ZZZZZZZZ:U1::",
        "w1:{fp}::pre-pmf:",
        "w1:{fp}:U1:pre-pmf..growth:",
        "w1:{fp}:U1:pre-pmf:dm\n",
        "w1:{fp}:U1:pre-pmf:dm:extra",
        "w1:{fp}:U 1:pre-pmf:",
        "w1:{fp}:U1:PRE-PMF:",
        "w1:{fp}:U1::" + "x" * 33,
        "w1:{fp}:U1::" + "x" * MAX_VALUE_LENGTH,
    ],
)
def test_malformed_values_are_stale(value: str) -> None:
    with pytest.raises(StaleState):
        decode_state(value.replace("{fp}", WALKTHROUGH.fingerprint), WALKTHROUGH)


def test_a_full_set_of_answers_is_still_valid_for_the_result_buttons() -> None:
    answers = ("scaling", "systems", "platform", "migration", "many-teams", "feasibility", "mixed")
    assert decode_state(value_for(answers), WALKTHROUGH).answers == answers


# --- encoding refuses what it could not read back -----------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        State(owner="", answers=(), fingerprint="0" * 8),
        State(owner="U:1", answers=(), fingerprint="0" * 8),
        State(owner="U1", answers=("",), fingerprint="0" * 8),
        State(owner="U1", answers=("a.b",), fingerprint="0" * 8),
        State(owner="U1", answers=(), fingerprint="short"),
        State(owner="U1", answers=(), fingerprint="0" * 8, extra="has:colon"),
        State(owner="U1", answers=(), fingerprint="0" * 8, extra="x" * 33),
    ],
)
def test_encoding_an_unreadable_state_is_a_programming_error(state: State) -> None:
    with pytest.raises(ValueError) as caught:
        encode_state(state)
    assert not isinstance(caught.value, StaleState)
