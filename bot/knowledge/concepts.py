"""`concepts.yml`: the words and phrases that mean one thing for our topics, as knowledge.

Each concept names a token (`id`) and what people say for it ("pay", "comp", "how much do" ->
`salary`). The answer core (bot/answers/concepts.py) rewrites questions and phrasings with it;
this module only reads and checks the file, like every other knowledge file: each problem with
file, entry, field and line. The file may be left out (then there are no concepts).
"""

from __future__ import annotations

import re
from typing import Any

from bot.knowledge.model import TOPICS, Concept
from bot.knowledge.schema import Field, Report, entry_name

FILE = "concepts.yml"
MAX_MEANS = 80
_TOKEN = re.compile(r"[a-z][a-z0-9]*")
_WORD = re.compile(r"[a-z0-9]+")

_SPEC = {
    "id": Field.text(30),
    "means": Field.texts(min_items=1, max_len=60),
    "outside": Field.flag(required=False),
    "also": Field.texts(required=False, max_len=30),
    "topics": Field.texts(required=False, max_len=40),
}


def fold(word: str) -> str:
    """The plural fold both sides of a comparison share ("metrics" and "metric" meet)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _key(text: str) -> str:
    """A meaning as the words it is made of, so "Pay," and "pays" are one meaning."""
    return " ".join(fold(w) for w in _WORD.findall(text.lower()))


def parse_concepts(data: Any, report: Report) -> tuple[Concept, ...]:
    """Every valid concept; each problem is recorded on `report` instead of stopping."""
    items = report.top(data, "concepts")
    if items is None:
        return ()
    if not isinstance(items, list):
        report.add(data, "expected a list of concepts", entry=None, key="concepts")
        return ()
    report.unique_ids(items)
    claimed: dict[str, str] = {}
    ids: set[str] = set()
    parsed: list[Concept] = []
    for index, node in enumerate(items):
        label = entry_name(node, f"#{index + 1}")
        checked = report.mapping(node, _SPEC, entry=label, what="a concept")
        if checked is None or not checked.ok or checked.values["id"] in ids:
            continue
        values = checked.values
        ids.add(values["id"])
        ok = _tokens(node, values, report=report, label=label)
        ok = _meanings(node, values, claimed, report=report, label=label) and ok
        if ok:
            parsed.append(
                Concept(
                    values["id"],
                    values["means"],
                    bool(values.get("outside", False)),
                    values.get("also", ()),
                    values.get("topics", ()),
                )
            )
    return tuple(parsed)


def _tokens(node: Any, values: dict[str, Any], *, report: Report, label: str) -> bool:
    ok = True
    if not _TOKEN.fullmatch(values["id"]):
        report.add(
            node, "a concept id is one lowercase word (letters, then digits)", entry=label, key="id"
        )
        ok = False
    for token in values.get("also", ()):
        if not _TOKEN.fullmatch(token):
            report.add(node, f"'{token}' is not one lowercase word", entry=label, key="also")
            ok = False
    for topic in values.get("topics", ()):
        if topic not in TOPICS:
            report.add(
                node, f"'{topic}' is not in the topic vocabulary", entry=label, key="topics"
            )
            ok = False
    return ok


def _meanings(
    node: Any, values: dict[str, Any], claimed: dict[str, str], *, report: Report, label: str
) -> bool:
    """A meaning has words, and belongs to one concept only: otherwise which one wins is luck."""
    means: tuple[str, ...] = values["means"]
    if len(means) > MAX_MEANS:
        report.add(
            node, f"has {len(means)} items, over the limit of {MAX_MEANS}", entry=label, key="means"
        )
        return False
    ok = True
    for number, text in enumerate(means, 1):
        key = _key(text)
        if not key:
            report.add(
                node,
                f"item {number} ('{text}') has no words once punctuation is dropped",
                entry=label,
                key="means",
            )
            ok = False
        elif claimed.setdefault(key, values["id"]) != values["id"]:
            report.add(
                node,
                f"item {number} ('{text}') is already a meaning of '{claimed[key]}'",
                entry=label,
                key="means",
            )
            ok = False
    return ok
