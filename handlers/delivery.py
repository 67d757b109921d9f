"""Posting a card somewhere, and saying so in the log (with ids) when Slack would not take it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.common import Card
from bot.slack.context import request_ids

logger = logging.getLogger("rolefit.handlers")


@dataclass(frozen=True)
class Posted:
    """What became of a post: its ts, or Slack's error code."""

    ts: str | None
    error: str | None = None


def error_code(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or "unknown")
    return type(error).__name__


async def post_card(
    client: AsyncWebClient,
    *,
    body: dict[str, Any],
    channel: str,
    card: Card,
    thread_ts: str | None = None,
) -> Posted:
    """Post a card; on failure log once with the request's ids and say why."""
    try:
        response = await client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=card.text,
            blocks=card.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
    except Exception as error:
        code = error_code(error)
        logger.warning("chat.postMessage failed: %s", code, extra={"ids": request_ids(body)})
        return Posted(ts=None, error=code)
    return Posted(ts=response.get("ts"))


UNDELIVERED = (
    ":warning: Sorry, Slack would not take my answer just now. Please ask again in a moment, "
    "or use `/rolefit` to get the answer privately."
)


async def tell_undelivered(
    client: AsyncWebClient,
    *,
    body: dict[str, Any],
    channel: str,
    user: str,
    thread_ts: str | None = None,
) -> None:
    """After a failed post, a private note to the person who asked, when Slack takes that."""
    try:
        await client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread_ts, text=UNDELIVERED
        )
    except Exception as error:
        logger.warning(
            "chat.postEphemeral failed too: %s", error_code(error), extra={"ids": request_ids(body)}
        )
