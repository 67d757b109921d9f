"""The one validation toolkit: every knowledge file's checks report file, entry, field and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.knowledge.problems import Problem
from bot.knowledge.schema import Field, Report, entry_name
from bot.knowledge.yaml_source import load_yaml

SPEC = {
    "id": Field.ident(12),
    "title": Field.text(10),
    "tags": Field.texts(min_items=1, max_items=3, max_len=5),
    "weight": Field.number(low=0, high=10),
    "shown": Field.flag(required=False),
    "steps": Field.items(min_items=2),
    "extra": Field.mapping(required=False),
}
GOOD = "id: a-b\ntitle: ' Short '\ntags: [x, ' y ']\nweight: 2\nsteps: [1, 2]\n"


def check(text: str, tmp_path: Path) -> tuple[dict[str, Any] | None, bool, list[Problem]]:
    path = tmp_path / "vocabulary.yml"
    path.write_text(text, encoding="utf-8")
    problems: list[Problem] = []
    node = load_yaml(path, problems)
    assert problems == []
    checked = Report(file=path.name, problems=problems).mapping(
        node, SPEC, entry="e1", what="an entry"
    )
    if checked is None:
        return None, False, problems
    return checked.values, checked.ok, problems


def test_a_clean_mapping_yields_stripped_converted_values(tmp_path: Path) -> None:
    values, ok, problems = check(GOOD, tmp_path)
    assert (ok, problems) == (True, [])
    assert values == {
        "id": "a-b",
        "title": "Short",
        "tags": ("x", "y"),
        "weight": 2.0,
        "steps": [1, 2],
    }


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("title: '0123456789x'", "title", "is 11 characters, over the limit of 10"),
        ("title: 7", "title", "expected non-empty text, got a number"),
        ("tags: []", "tags", "has 0 items, needs 1 to 3"),
        ("tags: [x, '  ']", "tags", "item 2 is not a non-empty text"),
        ("tags: [toolong]", "tags", "item 1 is 7 characters, over the limit of 5"),
        ("tags: x", "tags", "expected a list of texts, got text"),
        ("weight: 11", "weight", "must be between 0 and 10, got 11"),
        ("weight: true", "weight", "expected a number, got true/false"),
        ("shown: 'yes'", "shown", "expected true or false, got text"),
        ("steps: [1]", "steps", "has 1 items, needs at least 2"),
        ("extra: [1]", "extra", "expected a mapping, got a list"),
        ("id: Not_Kebab", "id", "lowercase"),
        ("colour: blue", "colour", "unknown field (allowed: id, title,"),
    ],
)
def test_each_wrong_value_is_one_problem_at_its_line(
    tmp_path: Path, line: str, field: str, words: str
) -> None:
    lines = GOOD.splitlines()
    key = line.split(":")[0]
    at = next((i for i, old in enumerate(lines) if old.startswith(f"{key}:")), len(lines))
    lines[at : at + 1] = [line]
    _, ok, problems = check("\n".join(lines) + "\n", tmp_path)
    assert not ok
    [problem] = problems
    assert (problem.file, problem.entry, problem.field) == ("vocabulary.yml", "e1", field)
    assert words in problem.message
    assert problem.line == at + 1


def test_missing_required_fields_are_each_reported(tmp_path: Path) -> None:
    _, ok, problems = check("id: a-b\nweight: 1\n", tmp_path)
    assert not ok
    assert {(p.field, p.message) for p in problems} == {
        ("title", "missing required field"),
        ("tags", "missing required field"),
        ("steps", "missing required field"),
    }


def test_a_node_that_is_not_a_mapping_is_named(tmp_path: Path) -> None:
    values, _, problems = check("- just\n- a list\n", tmp_path)
    assert values is None
    [problem] = problems
    assert problem.message == "expected an entry as a mapping, got a list"
    assert problem.line == 1


def test_repeated_ids_are_reported_at_the_repetition_with_the_first_line(tmp_path: Path) -> None:
    path = tmp_path / "list.yml"
    path.write_text("- id: a\n- id: b\n- id: a\n- name: no id\n", encoding="utf-8")
    problems: list[Problem] = []
    nodes = load_yaml(path, problems)
    first = Report(file="list.yml", problems=problems).unique_ids(nodes, what="concept id")
    assert first == {"a": 1, "b": 2}
    [problem] = problems
    assert (problem.entry, problem.field, problem.line) == ("a", "id", 3)
    assert problem.message == "duplicate concept id (first used on line 1)"
    assert [entry_name(n, f"#{i + 1}") for i, n in enumerate(nodes)] == ["a", "b", "a", "#4"]


@pytest.mark.parametrize(
    ("data", "message", "field"),
    [
        ([], "the file must be a mapping with the key 'concepts'", None),
        ({}, "missing top-level key", "concepts"),
        ({"concepts": [], "more": 1}, "unknown top-level key (expected only 'concepts')", "more"),
    ],
)
def test_a_file_has_exactly_its_one_top_level_key(
    data: Any, message: str, field: str | None
) -> None:
    problems: list[Problem] = []
    Report(file="concepts.yml", problems=problems).top(data, "concepts")
    assert [(p.file, p.entry, p.field, p.message) for p in problems] == [
        ("concepts.yml", None, field, message)
    ]
