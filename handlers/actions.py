"""Buttons on RoleFit's cards: open another card, share in the channel, rate an answer."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.answer import voted_card
from bot.cards.common import (
    HELPFUL,
    NOT_HELPFUL,
    OPEN,
    OPEN_ALSO,
    SHARE,
    Card,
    Surface,
    context,
    section,
)
from bot.cards.experts import ask_block, entry_value
from bot.cards.refs import parse_shown
from bot.slack.context import (
    action_user,
    is_ephemeral_source,
    is_home_source,
    message_thread,
)
from bot.slack.services import Services
from handlers.delivery import CANNOT_POST_HERE, ack_only, post_card, undelivered
from handlers.messages import (
    ASK_INSTEAD,
    PRIVATE_HERE,
    STALE,
    THANKS_HELPFUL,
    THANKS_NOT_HELPFUL,
)

logger = logging.getLogger("rolefit.handlers")



def _prefix(action_id: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(action_id)}(\.\d+)?$")


def value_of(body: dict[str, Any]) -> str:
    found = (body.get("actions") or [{}])[0]
    return str(found.get("value") or "")


def register(app: AsyncApp, *, services: Services) -> None:
    rolefit = services.rolefit

    async def open_card(
        body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await show(body, client, respond, replace=True)

    async def open_also(
        body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await show(body, client, respond, replace=False)

    async def show(
        body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, *, replace: bool
    ) -> None:
        """A private card is replaced (or joined, `replace=False`); elsewhere a new message."""
        value, user = value_of(body), action_user(body)
        if is_ephemeral_source(body):
            card = rolefit.render(value, surface=Surface.PRIVATE) or STALE
            await respond(replace_original=replace, response_type="ephemeral", **card.message())
            return
        card = rolefit.render(value, surface=Surface.PUBLIC) or STALE
        if is_home_source(body):
            if user:
                await post_card(client, body=body, channel=user, card=card)
            return
        channel, thread_ts = message_thread(body)
        if channel:
            posted = await post_card(
                client, body=body, channel=channel, thread_ts=thread_ts, card=card
            )
            if posted.error in CANNOT_POST_HERE:
                # A shared card where the bot is not a member: the clicker still gets the answer.
                private = rolefit.render(value, surface=Surface.PRIVATE) or STALE
                shown = Card(text=private.text, blocks=[*private.blocks, context(PRIVATE_HERE)])
                await respond(replace_original=False, response_type="ephemeral", **shown.message())
            elif posted.ts is None:
                text = undelivered(posted.error)
                await respond(replace_original=False, response_type="ephemeral", text=text)

    async def share(body: dict[str, Any], respond: AsyncRespond) -> None:
        user = action_user(body)
        card = rolefit.render(value_of(body), surface=Surface.PUBLIC, shared_by=user)
        if card is None:
            await respond(replace_original=False, response_type="ephemeral", **STALE.message())
            return
        await respond(replace_original=False, response_type="in_channel", **card.message())
        done = Card(
            text="Shared in the channel.",
            blocks=[context(":white_check_mark: Shared in the channel.")],
        )
        await respond(replace_original=True, response_type="ephemeral", **done.message())

    async def feedback(body: dict[str, Any], respond: AsyncRespond) -> None:
        """A private card shows the vote in place; a message others see is never changed by
        one person's vote, so they get a private thanks instead."""
        helpful = (body.get("actions") or [{}])[0].get("action_id", "").startswith(HELPFUL)
        shown = parse_shown(value_of(body))
        entry_id = shown.entry_id
        await services.record_vote(body=body, entry_id=entry_id, helpful=helpful)
        offer = (
            []
            if helpful or not services.experts_channel
            else [section(ASK_INSTEAD), ask_block(entry_value(entry_id))]
        )
        card = rolefit.redraw(shown)
        if is_ephemeral_source(body) and card is not None:
            voted = voted_card(card, entry_id=entry_id, helpful=helpful, offer=offer)
            await respond(replace_original=True, response_type="ephemeral", **voted.message())
            return
        text = THANKS_HELPFUL if helpful else THANKS_NOT_HELPFUL
        blocks = [section(text), *offer]
        await respond(replace_original=False, response_type="ephemeral", text=text, blocks=blocks)

    app.action(_prefix(OPEN))(ack=ack_only, lazy=[open_card])
    app.action(_prefix(OPEN_ALSO))(ack=ack_only, lazy=[open_also])
    app.action(_prefix(SHARE))(ack=ack_only, lazy=[share])
    app.action(_prefix(HELPFUL))(ack=ack_only, lazy=[feedback])
    app.action(_prefix(NOT_HELPFUL))(ack=ack_only, lazy=[feedback])
