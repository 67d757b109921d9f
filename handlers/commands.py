"""`/rolefit`: the answer goes back inside the ack itself, visible only to the person who asked.

Two doors lead to the same answer. Bolt's command listener serves Socket Mode and the console;
in HTTP mode `quick_answer` answers straight from the request gate's reading of the body
(bot/slack/server.py), because a command that needs no Web API call gains nothing from Bolt's
dispatch and that dispatch costs as much CPU as finding the answer. Both doors call
`command_reply` and `ack_payload`, so they cannot drift apart; `decide` (which posts messages)
always goes through Bolt and its lazy listener.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers import intents
from bot.cards.common import Surface
from bot.cards.replies import Reply, cut
from bot.cards.walkthrough import where_card
from bot.logs import bind_ids
from bot.slack.context import request_ids, typed_text
from bot.slack.server import QuickAnswer
from bot.slack.services import Services
from bot.walkthrough import planning
from handlers import walkthrough
from handlers.messages import SORRY

logger = logging.getLogger("rolefit.handlers")

COMMAND = "/rolefit"


def command_reply(services: Services, command: dict[str, Any]) -> Reply | None:
    """The reply to `/rolefit <text>`, or None when building it failed (logged with the ids)."""
    text = typed_text(cut(command.get("text") or ""))
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("command", extra={"ids": request_ids(command), "text": text})
    try:
        return services.rolefit.reply(text, surface=Surface.PRIVATE)
    except Exception:
        logger.exception("command failed", extra={"ids": request_ids(command)})
        return None


def in_channel(command: dict[str, Any]) -> bool:
    """Typed in a channel (not a DM), where a walkthrough would be seen by everyone."""
    place = planning.place_for(
        user_id=command.get("user_id", ""), channel_id=command.get("channel_id"), thread_ts=None
    )
    return place.in_channel


def ack_payload(services: Services, command: dict[str, Any], reply: Reply | None) -> dict[str, Any]:
    """What the ack carries (empty when the walkthrough takes over); records the question."""
    if reply is None:
        return {"response_type": "ephemeral", "text": SORRY}
    services.record_question(body=command, channel_type="command", reply=reply)
    if reply.starts_walkthrough and in_channel(command):
        return {"response_type": "ephemeral", **where_card().message()}
    if reply.card is None:
        return {}
    return {"response_type": "ephemeral", "text": reply.card.text, "blocks": reply.card.blocks}


def quick_answer(*, services: Services) -> QuickAnswer:
    """The HTTP door: every `/rolefit` but `decide` in a DM; anything else is left to Bolt."""

    def answer(body: dict[str, Any]) -> dict[str, Any] | None:
        if body.get("command") != COMMAND or body.get("ssl_check"):
            return None
        bind_ids(request_ids(body))
        reply = command_reply(services, body)
        if reply is not None and reply.starts_walkthrough and not in_channel(body):
            return None
        return ack_payload(services, body, reply)

    return answer


def register(app: AsyncApp, *, services: Services) -> None:
    async def answer_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(**ack_payload(services, command, command_reply(services, command)))

    async def asks_to_decide(command: dict[str, Any]) -> bool:
        """Only in a DM: in a channel the ack asks first where to run it (`ack_payload`)."""
        text = typed_text(cut(command.get("text") or ""))
        return isinstance(intents.parse(text), intents.Decide) and not in_channel(command)

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
