"""Slack listeners only: they translate Slack payloads to core calls and cards back to Slack."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services import Services


def register(app: AsyncApp, *, services: Services) -> None:
    from handlers import actions, commands, errors, events, walkthrough

    errors.register(app)
    commands.register(app, services=services)
    events.register(app, services=services)
    actions.register(app, services=services)
    walkthrough.register(app, services=services)
