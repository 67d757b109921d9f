"""Slack shortcuts: "Ask RoleFit" on any message, and "Hire a PM or a TPM?" from anywhere."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.common import ASK_SHORTCUT, DECIDE_SHORTCUT, Surface
from bot.slack.context import action_user, request_ids
from bot.slack.services import Services
from handlers import walkthrough
from handlers.delivery import ack_only
from handlers.events import mention_text
from handlers.messages import NOT_A_SHORTCUT_MESSAGE, SORRY, WALKTHROUGH_IN_DM

logger = logging.getLogger("rolefit.handlers")

ASK, DECIDE = ASK_SHORTCUT, DECIDE_SHORTCUT


def register(app: AsyncApp, *, services: Services) -> None:
    rolefit = services.rolefit

    async def begin_in_dm(body: dict[str, Any], client: AsyncWebClient, user: str) -> None:
        await walkthrough.start(
            services=services,
            client=client,
            body=body,
            user_id=user,
            channel_id=user,
            thread_ts=None,
            response_url=None,
        )

    async def answer_message(
        body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        text = mention_text(str((body.get("message") or {}).get("text") or ""))
        user = action_user(body)
        if not text or not user:
            await respond(response_type="ephemeral", text=NOT_A_SHORTCUT_MESSAGE)
            return
        try:
            reply = rolefit.reply(text, surface=Surface.PRIVATE)
        except Exception:
            logger.exception("shortcut failed", extra={"ids": request_ids(body)})
            await respond(response_type="ephemeral", text=SORRY)
            return
        services.record_question(body=body, channel_type="shortcut", reply=reply)
        if reply.card is None:
            await begin_in_dm(body, client, user)
            await respond(response_type="ephemeral", text=WALKTHROUGH_IN_DM)
            return
        await respond(response_type="ephemeral", **reply.card.message())

    async def decide(body: dict[str, Any], client: AsyncWebClient) -> None:
        user = action_user(body)
        if not user:
            logger.warning("decide shortcut without a user", extra={"ids": request_ids(body)})
            return
        await begin_in_dm(body, client, user)

    app.message_shortcut(ASK)(ack=ack_only, lazy=[answer_message])
    app.global_shortcut(DECIDE)(ack=ack_only, lazy=[decide])
