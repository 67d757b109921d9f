"""YAML loading that remembers line numbers, so validation messages can point at the line."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: the same loader, only slower
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]  # same interface

from bot.knowledge.problems import Problem


class LineDict(dict[Any, Any]):
    """A mapping that knows the 1-based line of itself and of each of its keys."""

    line: int | None = None
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    line: int | None = None


class _LineLoader(_SafeLoader):
    """Safe loading, with libyaml's parser when PyYAML was built with it (several times faster)."""


def _refuse_duplicate_keys(node: yaml.MappingNode) -> None:
    """YAML keys must be unique; PyYAML would silently keep the last one, hiding an edit."""
    first: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = (key_node.tag, key_node.value)
        if key in first:
            raise yaml.constructor.ConstructorError(
                problem=f"duplicate key '{key_node.value}' (first on line {first[key]})",
                problem_mark=key_node.start_mark,
            )
        first[key] = key_node.start_mark.line + 1


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    _refuse_duplicate_keys(node)
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        result[key] = loader.construct_object(value_node, deep=True)
        if isinstance(key, str):
            result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Dates stay text, so the loader reports a bad one (2026-13-01) as a problem with its line.
def _construct_text(loader: _LineLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


MAX_FILE_BYTES = 4 * 1024 * 1024


def read_regular(path: Path, *, limit: int = MAX_FILE_BYTES) -> str:
    """A regular file's text: a FIFO or a device would block start-up, a huge file exhaust it."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"larger than {limit // (1024 * 1024)} MiB")
    return data.decode("utf-8")


def _first_alias(text: str) -> int | None:
    """The line of the first alias: a few hundred bytes of nested aliases expand into gigabytes
    for whatever walks the result, and knowledge files have no use for them."""
    for event in yaml.parse(text, Loader=_LineLoader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            return int(mark.line) + 1 if mark is not None else 1
    return None


def load_yaml(path: Path, problems: list[Problem]) -> Any:
    """Parse one file; on a syntax error record it (with YAML's line) and return None."""
    try:
        text = read_regular(path)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(file=path.name, message=f"cannot be read: {exc}"))
        return None
    try:
        alias = _first_alias(text)
        if alias is not None:
            problems.append(
                Problem(file=path.name, line=alias, message="YAML aliases (*name) are not allowed")
            )
            return None
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start is not None and start.line + 1 != line:
            reason += f" ({context} from line {start.line + 1})"
        problems.append(Problem(file=path.name, line=line, message=f"YAML syntax error: {reason}"))
        return None


def line_of(node: Any, key: str | None = None) -> int | None:
    if isinstance(node, LineDict):
        return node.line_of(key) if key is not None else node.line
    return getattr(node, "line", None)


def kind_of(value: Any) -> str:
    """How a validation message names what it found instead of what it expected."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    for kind, name in ((dict, "a mapping"), (list, "a list"), (str, "text")):
        if isinstance(value, kind):
            return name
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__
