"""Posting a card somewhere, and saying so in the log (with ids) when Slack would not take it."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.common import Card
from handlers.context import request_ids

logger = logging.getLogger("rolefit.handlers")


async def post_or_log(
    client: AsyncWebClient,
    *,
    body: dict[str, Any],
    channel: str,
    card: Card,
    thread_ts: str | None = None,
) -> str | None:
    """Post a card; on failure log once with the request's ids and return None."""
    try:
        response = await client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=card.text,
            blocks=card.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as error:
        logger.warning(
            "chat.postMessage failed: %s",
            error.response.get("error"),
            extra={"ids": request_ids(body)},
        )
        return None
    except Exception as error:
        logger.warning(
            "chat.postMessage failed: %s", type(error).__name__, extra={"ids": request_ids(body)}
        )
        return None
    return response.get("ts")


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
        failed = isinstance(error, SlackApiError)
        reason = error.response.get("error") if failed else type(error).__name__
        logger.warning(
            "chat.postEphemeral failed too: %s", reason, extra={"ids": request_ids(body)}
        )
