"""The hiring walkthrough in Slack (in progress: replaced by the walkthrough issue's listeners)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services


async def start(
    *,
    services: Services,
    client: AsyncWebClient,
    body: dict[str, Any],
    user_id: str,
    channel_id: str,
    thread_ts: str | None,
    response_url: str | None,
) -> None:
    raise NotImplementedError


def register(app: AsyncApp, *, services: Services) -> None:
    return None
