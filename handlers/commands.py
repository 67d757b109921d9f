"""`/rolefit`: the answer goes back inside the ack itself, visible only to the person who asked."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import intents
from bot.cards.common import Surface
from bot.services import Services
from handlers import walkthrough
from handlers.context import request_ids
from handlers.errors import SORRY

logger = logging.getLogger("rolefit.handlers")

COMMAND = "/rolefit"


def register(app: AsyncApp, *, services: Services) -> None:
    rolefit = services.rolefit

    async def answer_command(ack: AsyncAck, command: dict[str, Any], body: dict[str, Any]) -> None:
        text = command.get("text") or ""
        logger.debug("command", extra={"ids": request_ids(body), "text": text})
        try:
            reply = rolefit.reply(text, surface=Surface.PRIVATE)
        except Exception:
            logger.exception("command failed", extra={"ids": request_ids(body)})
            await ack(response_type="ephemeral", text=SORRY)
            return
        services.record_question(body=body, channel_type="command", reply=reply)
        if reply.card is None:
            await ack()
            return
        await ack(response_type="ephemeral", text=reply.card.text, blocks=reply.card.blocks)

    async def asks_to_decide(command: dict[str, Any]) -> bool:
        return isinstance(intents.parse(command.get("text") or ""), intents.Decide)

    async def start_walkthrough(
        command: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await walkthrough.start(
            services=services,
            client=client,
            body=body,
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            thread_ts=None,
            response_url=command.get("response_url"),
        )

    # Only `decide` needs Web API calls, so only it pays for a lazy listener (Bolt copies the
    # whole request for one); every other command is answered inside the ack and done.
    app.command(COMMAND, matchers=[asks_to_decide])(ack=answer_command, lazy=[start_walkthrough])
    app.command(COMMAND)(answer_command)
