"""Slack listeners only: they translate Slack payloads to core calls and cards back to Slack.

This package is the `rolefit.listeners` plugin (pyproject.toml): `register` and `quick_answer`
are what `bot.slack.listeners.Listeners` asks of it.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.services import Services
from handlers.commands import quick_answer

__all__ = ["quick_answer", "register"]


def register(app: AsyncApp, *, services: Services) -> None:
    from handlers import actions, commands, errors, events, experts, shortcuts, walkthrough

    errors.register(app)
    commands.register(app, services=services)
    events.register(app, services=services)
    actions.register(app, services=services)
    walkthrough.register(app, services=services)
    experts.register(app, services=services)
    shortcuts.register(app, services=services)
