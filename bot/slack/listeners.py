"""Where the Slack listeners come from: a plugin, so that `bot` never imports `handlers`.

The listeners are found through the `rolefit.listeners` entry point (pyproject.toml), the way
pytest finds its plugins: `handlers` depends on `bot`, and the app only knows this interface.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Protocol, cast

from slack_bolt.async_app import AsyncApp

from bot.slack.server import QuickAnswer
from bot.slack.services import Services

GROUP = "rolefit.listeners"


class Listeners(Protocol):
    """What a listener package offers the app builder."""

    def register(self, app: AsyncApp, *, services: Services) -> None: ...

    def quick_answer(self, *, services: Services) -> QuickAnswer: ...


@cache
def installed(name: str = "slack") -> Listeners:
    """The listeners the installed package declares; a missing declaration is a broken install."""
    found = entry_points(group=GROUP, name=name)
    if not found:
        raise RuntimeError(
            f"no '{name}' entry point in group {GROUP!r}: reinstall RoleFit (make install)"
        )
    return cast(Listeners, next(iter(found)).load())
