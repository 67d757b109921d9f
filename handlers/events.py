"""Mentions, direct messages and the App Home tab. Events are acked at once; replies go lazily."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.common import Surface
from bot.cards.help import home_view
from bot.cards.replies import cut
from bot.feedback.records import team_of
from bot.slack.context import request_ids, typed_text
from bot.slack.services import Services
from handlers import walkthrough
from handlers.delivery import ack_only, post_card, tell_undelivered
from handlers.messages import SORRY_CARD

logger = logging.getLogger("rolefit.handlers")

def mention_text(text: str) -> str:
    """The question in a message's first 4,000 characters, without the bot's mention or any
    other Slack markup."""
    return typed_text(cut(text))


def register(app: AsyncApp, *, services: Services) -> None:
    rolefit = services.rolefit

    async def reply_in_place(
        *,
        client: AsyncWebClient,
        body: dict[str, Any],
        text: str,
        user: str,
        channel: str,
        thread_ts: str | None,
        is_dm: bool,
    ) -> None:
        try:
            reply = rolefit.reply(text, surface=Surface.PUBLIC, brief_help=not is_dm)
        except Exception:
            logger.exception("answering failed", extra={"ids": request_ids(body)})
            await post_card(
                client, body=body, channel=channel, thread_ts=thread_ts, card=SORRY_CARD
            )
            return
        services.record_question(body=body, channel_type="im" if is_dm else "channel", reply=reply)
        if reply.starts_walkthrough:
            await walkthrough.start(
                services=services,
                client=client,
                body=body,
                user_id=user,
                channel_id=channel,
                thread_ts=thread_ts,
                response_url=None,
            )
            return
        assert reply.card is not None
        posted = await post_card(
            client, body=body, channel=channel, thread_ts=thread_ts, card=reply.card
        )
        if posted.ts is None and user:
            await tell_undelivered(
                client,
                body=body,
                channel=channel,
                user=user,
                error=posted.error,
                thread_ts=thread_ts,
            )

    async def answer_mention(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        logger.debug("mention", extra={"ids": request_ids(body), "text": event.get("text", "")})
        await reply_in_place(
            client=client,
            body=body,
            text=mention_text(event.get("text") or ""),
            user=event.get("user", ""),
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event.get("ts"),
            is_dm=False,
        )

    async def answer_dm(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not event.get("user"):
            return
        logger.debug("dm", extra={"ids": request_ids(body), "text": event.get("text", "")})
        await reply_in_place(
            client=client,
            body=body,
            text=mention_text(event.get("text") or ""),
            user=event["user"],
            channel=event["channel"],
            thread_ts=event.get("thread_ts"),
            is_dm=True,
        )

    async def publish_home(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        view = home_view(
            topics=list(rolefit.knowledge.topics()),
            extra_blocks=await services.home_extras(event["user"], team=team_of(body)),
        )
        try:
            await client.views_publish(user_id=event["user"], view=view)
        except Exception as error:
            logger.warning(
                "could not publish the App Home: %s", error, extra={"ids": request_ids(body)}
            )

    app.event("app_mention")(ack=ack_only, lazy=[answer_mention])
    app.event("message")(ack=ack_only, lazy=[answer_dm])
    app.event("app_home_opened")(ack=ack_only, lazy=[publish_home])
