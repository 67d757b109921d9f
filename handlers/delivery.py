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
from handlers.messages import CHANNEL_CLOSED, MISSING_SCOPE, NOT_A_MEMBER, UNDELIVERED

logger = logging.getLogger("rolefit.handlers")


# Web API errors that no retry can fix, and what to tell the person instead of "try again".
# All but missing_scope mean "not in this channel": the post can go to the person instead
# (their DM, a response_url); missing_scope means not anywhere.
_PERMANENT_NOTES = {
    "not_in_channel": NOT_A_MEMBER,
    "channel_not_found": CHANNEL_CLOSED,
    "is_archived": CHANNEL_CLOSED,
    "restricted_action": CHANNEL_CLOSED,
    "missing_scope": MISSING_SCOPE,
}
PERMANENT = frozenset(_PERMANENT_NOTES)
CANNOT_POST_HERE = PERMANENT - {"missing_scope"}


def undelivered(error: str | None) -> str:
    """What to tell someone whose answer Slack refused with `error`: what would work for a
    permanent error, "ask again in a moment" only for a passing one."""
    return _PERMANENT_NOTES.get(error or "", UNDELIVERED)


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
