"""Knowledge texts are sent to Slack as they are written, so a `<!channel>` or `<@U…>` in them
would notify people each time an answer is shared. They are refused when the knowledge loads."""

from __future__ import annotations

import re
from typing import Any

from bot.knowledge.problems import Problem
from bot.knowledge.yaml_source import LineDict, line_of

_PING = re.compile(
    r"<!(?:channel|here|everyone|subteam\^[^>]*)[^>]*>|<@[UW][A-Z0-9]+(?:\|[^>]*)?>"
    r"|<#C[A-Z0-9]+(?:\|[^>]*)?>",
    re.IGNORECASE,
)


def find_pings(data: Any, *, file: str, problems: list[Problem]) -> None:
    """Record one problem per text holding a broadcast, a mention or a channel link."""
    _walk(data, file=file, problems=problems, entry=None, key=None, line=line_of(data))


def _walk(
    node: Any,
    *,
    file: str,
    problems: list[Problem],
    entry: str | None,
    key: str | None,
    line: int | None,
) -> None:
    if isinstance(node, LineDict):
        own = node.get("id")
        entry = own if isinstance(own, str) else entry
        for name, value in node.items():
            where = node.line_of(name) if isinstance(name, str) else node.line
            _walk(value, file=file, problems=problems, entry=entry, key=str(name), line=where)
    elif isinstance(node, list):
        for item in node:
            _walk(item, file=file, problems=problems, entry=entry, key=key, line=line)
    elif isinstance(node, str):
        found = _PING.search(node)
        if found is not None:
            problems.append(
                Problem(
                    file=file,
                    entry=entry,
                    field=key,
                    line=line,
                    message=(
                        f"contains {found.group()}, which Slack would turn into a notification "
                        "(a broadcast, a mention or a channel link) every time it is shown; "
                        "write it in words instead"
                    ),
                )
            )
