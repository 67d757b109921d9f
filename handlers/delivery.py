"""Posting a card somewhere, and saying so in the log (with ids) when Slack would not take it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.common import Card
from bot.slack.context import request_ids
from handlers.messages import undelivered

logger = logging.getLogger("rolefit.handlers")


# Web API errors that no retry can fix. The first four mean "not in this channel": a post can
# go to the person instead (their DM, a response_url); missing_scope means not anywhere.
CANNOT_POST_HERE = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
)
PERMANENT = CANNOT_POST_HERE | {"missing_scope"}


@dataclass(frozen=True)
class Posted:
    """What became of a post: its ts, or Slack's error code."""

    ts: str | None
    error: str | None = None

    @property
    def permanent(self) -> bool:
        """Failed for good: asking again would fail the same way."""
        return self.error in PERMANENT


def error_code(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or "unknown")
    return type(error).__name__


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
    error: str | None,
    thread_ts: str | None = None,
) -> None:
    """After a failed post, a private note to the person who asked, when Slack takes that."""
    text = undelivered(error)
    try:
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)
    except Exception as error:
        logger.warning(
            "chat.postEphemeral failed too: %s", error_code(error), extra={"ids": request_ids(body)}
        )
