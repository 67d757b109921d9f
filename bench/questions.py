"""The fixed question set every benchmark uses: tests/eval/questions.yml, on- and off-topic."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

EVAL = Path(__file__).resolve().parents[1] / "tests" / "eval" / "questions.yml"


@cache
def questions() -> tuple[str, ...]:
    data = yaml.safe_load(EVAL.read_text("utf-8"))
    return tuple(item["q"] for item in data["on_topic"]) + tuple(data["off_topic"])


@cache
def on_topic() -> tuple[str, ...]:
    data = yaml.safe_load(EVAL.read_text("utf-8"))
    return tuple(item["q"] for item in data["on_topic"])
