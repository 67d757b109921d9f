"""Posting a card somewhere, and saying so in the log (with ids) when Slack would not take it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.common import Card
from bot.slack.context import request_ids
from bot.slack.retries import error_code
from handlers.messages import UNDELIVERED

logger = logging.getLogger("rolefit.handlers")


@dataclass(frozen=True)
class Posted:
    """What became of a post: its ts, or Slack's error code."""

    ts: str | None
    error: str | None = None


async def ack_only(ack: AsyncAck) -> None:
    """The ack of a listener whose work happens lazily, after Slack has its 200."""
    await ack()


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
