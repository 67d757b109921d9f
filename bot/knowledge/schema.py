"""The one validation toolkit for every knowledge file (faq, roles, comparison, decision, ...).

A `Report` checks raw YAML nodes against small field tables and records a `Problem` naming the
file, entry, field and YAML line for each mistake instead of stopping at the first, so an author
sees everything that is wrong in one pass. Each file's loader keeps only what is its own: its
tables, its limits and the rules that span entries.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bot.knowledge.problems import Problem
from bot.knowledge.yaml_source import kind_of, line_of

ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Kind = Literal["text", "texts", "id", "flag", "number", "date", "list", "map", "any"]


@dataclass(frozen=True, slots=True)
class Field:
    """What one key of a mapping must hold; build it with the named constructors below."""

    kind: Kind
    required: bool = True
    max_len: int | None = None
    min_items: int = 0
    max_items: int | None = None
    low: float | None = None
    high: float | None = None

    @classmethod
    def text(cls, max_len: int | None = None, *, required: bool = True) -> Field:
        """Non-empty text, stripped, at most `max_len` characters."""
        return cls("text", required=required, max_len=max_len)

    @classmethod
    def texts(
        cls,
        *,
        min_items: int = 0,
        max_items: int | None = None,
        max_len: int | None = None,
        required: bool = True,
    ) -> Field:
        """A list of non-empty texts, each stripped and at most `max_len` characters."""
        return cls(
            "texts", required=required, max_len=max_len, min_items=min_items, max_items=max_items
        )

    @classmethod
    def ident(cls, max_len: int, *, required: bool = True) -> Field:
        """A lowercase-kebab id, as buttons, links and answer paths refer to entries."""
        return cls("id", required=required, max_len=max_len)

    @classmethod
    def flag(cls, *, required: bool = True) -> Field:
        return cls("flag", required=required)

    @classmethod
    def number(
        cls, *, low: float | None = None, high: float | None = None, required: bool = True
    ) -> Field:
        """A finite number (true/false is not one), within [low, high] when given."""
        return cls("number", required=required, low=low, high=high)

    @classmethod
    def day(cls, *, required: bool = True) -> Field:
        """A real day written YYYY-MM-DD, not one still to come (when content was reviewed)."""
        return cls("date", required=required)

    @classmethod
    def items(
        cls, *, min_items: int = 0, max_items: int | None = None, required: bool = True
    ) -> Field:
        """A list of anything; the caller checks each item (often with `Report.mapping`)."""
        return cls("list", required=required, min_items=min_items, max_items=max_items)

    @classmethod
    def mapping(cls, *, required: bool = True) -> Field:
        return cls("map", required=required)

    @classmethod
    def anything(cls, *, required: bool = True) -> Field:
        """Present, and checked by the caller, which words its own message."""
        return cls("any", required=required)


@dataclass(frozen=True, slots=True)
class Checked:
    """The fields of one mapping that passed, and whether every field did."""

    values: dict[str, Any]
    ok: bool


def raw_id(node: Any) -> str | None:
    """The id a node declares, valid or not, so later problems can still name it."""
    value = node.get("id") if isinstance(node, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def entry_name(node: Any, fallback: str) -> str:
    """How problems name an entry: by its id when it has one, by position otherwise."""
    return raw_id(node) or fallback


@dataclass(frozen=True, slots=True)
class Report:
    """The problems of one file: every check records what is wrong and returns None for it."""

    file: str
    problems: list[Problem]

    def add(self, node: Any, message: str, *, entry: str | None, key: str | None = None) -> None:
        self.problems.append(
            Problem(
                file=self.file, entry=entry, field=key, line=line_of(node, key), message=message
            )
        )

    def top(self, data: Any, key: str) -> Any:
        """The value under a file's only top-level key, or None once that is reported."""
        if not isinstance(data, dict):
            self.add(data, f"the file must be a mapping with the key '{key}'", entry=None)
            return None
        for extra in (k for k in data if k != key):
            self.add(
                data, f"unknown top-level key (expected only '{key}')", entry=None, key=str(extra)
            )
        if key not in data:
            self.add(data, "missing top-level key", entry=None, key=key)
            return None
        return data[key]

    def mapping(
        self, node: Any, spec: Mapping[str, Field], *, entry: str | None, what: str
    ) -> Checked | None:
        """Check every key of `node`: unknown and missing keys are errors, so a typo can never
        silently drop content. None when `node` is not a mapping at all."""
        if not isinstance(node, dict):
            self.add(node, f"expected {what} as a mapping, got {kind_of(node)}", entry=entry)
            return None
        ok = True
        for key in node:
            if key not in spec:
                self.add(
                    node, f"unknown field (allowed: {', '.join(spec)})", entry=entry, key=str(key)
                )
                ok = False
        values: dict[str, Any] = {}
        for key, rule in spec.items():
            if node.get(key) is None:
                if rule.required:
                    self.add(node, "missing required field", entry=entry, key=key)
                    ok = False
                continue
            value = self.value(node, key, rule, entry=entry)
            if value is None:
                ok = False
            else:
                values[key] = value
        return Checked(values=values, ok=ok)

    def value(self, node: Mapping[str, Any], key: str, rule: Field, *, entry: str | None) -> Any:
        """One present value, converted (texts stripped, lists as tuples); None once reported."""
        value = node[key]
        problem = _CHECKS[rule.kind](value, rule)
        if problem is not None:
            self.add(node, problem, entry=entry, key=key)
            return None
        if rule.kind in ("text", "id"):
            return value.strip()
        if rule.kind == "texts":
            return tuple(item.strip() for item in value)
        if rule.kind == "number":
            return float(value)
        if rule.kind == "date":
            return date.fromisoformat(value.strip())
        return value

    def unique_ids(self, nodes: Iterable[Any], *, what: str = "id") -> dict[str, int | None]:
        """Report every repeated id once, at its repetition; return where each id is first used."""
        first: dict[str, int | None] = {}
        for node in nodes:
            node_id = raw_id(node)
            if node_id is None:
                continue
            if node_id in first:
                self.add(
                    node,
                    f"duplicate {what} (first used on line {first[node_id]})",
                    entry=node_id,
                    key="id",
                )
            else:
                first[node_id] = line_of(node, "id")
        return first


# --- one check a kind: the message for a wrong value, or None ------------------------------------


def _text(value: Any, rule: Field) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"expected non-empty text, got {kind_of(value)}"
    length = len(value.strip())
    if rule.max_len is not None and length > rule.max_len:
        return f"is {length} characters, over the limit of {rule.max_len}"
    return None


def _count(value: list[Any], rule: Field) -> str | None:
    if rule.max_items is not None and not rule.min_items <= len(value) <= rule.max_items:
        return f"has {len(value)} items, needs {rule.min_items} to {rule.max_items}"
    if len(value) < rule.min_items:
        return f"has {len(value)} items, needs at least {rule.min_items}"
    return None


def _texts(value: Any, rule: Field) -> str | None:
    if not isinstance(value, list):
        return f"expected a list of texts, got {kind_of(value)}"
    bad = [i for i, v in enumerate(value, 1) if not isinstance(v, str) or not v.strip()]
    if bad:
        return f"item {bad[0]} is not a non-empty text"
    count = _count(value, rule)
    if count is not None:
        return count
    for index, item in enumerate(value, 1):
        length = len(item.strip())
        if rule.max_len is not None and length > rule.max_len:
            return f"item {index} is {length} characters, over the limit of {rule.max_len}"
    return None


def _ident(value: Any, rule: Field) -> str | None:
    limit = rule.max_len or 0
    if not isinstance(value, str) or not ID.fullmatch(value.strip()) or len(value.strip()) > limit:
        return (
            f"expected an id of lowercase words joined by '-', at most {limit} characters, "
            f"got {value!r}"
        )
    return None


def _flag(value: Any, rule: Field) -> str | None:
    return None if isinstance(value, bool) else f"expected true or false, got {kind_of(value)}"


def _number(value: Any, rule: Field) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"expected a number, got {kind_of(value)}"
    low = -math.inf if rule.low is None else rule.low
    high = math.inf if rule.high is None else rule.high
    if not low <= value <= high:
        return f"must be between {low:g} and {high:g}, got {value:g}"
    return None


def _day(value: Any, rule: Field) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    try:
        day = date.fromisoformat(text) if _DATE.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        return f"expected a date YYYY-MM-DD, got {value!r}"
    if day > date.today():
        return f"{text} is in the future"
    return None


def _list(value: Any, rule: Field) -> str | None:
    if not isinstance(value, list):
        return f"expected a list, got {kind_of(value)}"
    return _count(value, rule)


def _map(value: Any, rule: Field) -> str | None:
    return None if isinstance(value, dict) else f"expected a mapping, got {kind_of(value)}"


def _any(value: Any, rule: Field) -> str | None:
    return None


_CHECKS = {
    "text": _text,
    "texts": _texts,
    "id": _ident,
    "flag": _flag,
    "number": _number,
    "date": _day,
    "list": _list,
    "map": _map,
    "any": _any,
}
