"""The hiring walkthrough in Slack: where it runs, and what each of its buttons does.

The state lives only in button values (bot.walkthrough.state), so any process can take the next
click and a restart between clicks loses nothing. In a channel it runs in the thread of a short
public starter message; in a DM it runs in the DM; where the bot cannot post it moves to the
person's DM with the app. Answering turns the question message into a record of the answer and
posts the next question below it; Back and Start over edit the question message in place.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.common import Card, section
from bot.cards.walkthrough import (
    IN_MY_DM,
    IN_THREAD,
    could_not_share_card,
    moved_to_dm_card,
    moved_to_dm_note,
    not_yours_card,
    out_of_date_card,
    question_card,
    starter_card,
    where_chosen_card,
)
from bot.knowledge.decision import Walkthrough
from bot.slack.context import action_user, is_ephemeral_source, request_ids
from bot.slack.dedup import StoreFull
from bot.slack.retries import error_code
from bot.slack.services import CLICK_TTL, Services
from bot.walkthrough import planning
from bot.walkthrough.engine import NextQuestion, step
from bot.walkthrough.planning import Click, Place
from bot.walkthrough.state import StaleState, decode_state, encode_state, new_state
from handlers.delivery import (
    CANNOT_POST_HERE,
    PERMANENT,
    ack_only,
    post_card,
    undelivered,
)
from handlers.messages import SORRY_CARD

logger = logging.getLogger("rolefit.handlers")


# --- talking to Slack ---------------------------------------------------------------------------


async def _update(
    client: AsyncWebClient, *, body: dict[str, Any], channel: str, ts: str, card: Card
) -> bool:
    try:
        await client.chat_update(channel=channel, ts=ts, text=card.text, blocks=card.blocks)
    except Exception as error:
        code = error_code(error)
        logger.warning("walkthrough: chat.update failed: %s", code, extra=_ids(body))
        return False
    return True


async def _respond(
    url: str, card: Card, *, body: dict[str, Any], replace: bool = False
) -> None:
    """An ephemeral note through a response_url (or, `replace`, the private message a button
    sat on): needs no scope and works where the bot is not."""
    try:
        response = await AsyncRespond(response_url=url)(
            text=card.text, blocks=card.blocks, response_type="ephemeral", replace_original=replace
        )
    except Exception as error:
        logger.warning("walkthrough: response_url failed: %s", error_code(error), extra=_ids(body))
        return
    if response.status_code != 200:
        logger.warning(
            "walkthrough: response_url answered %s", response.status_code, extra=_ids(body)
        )


async def _tell_privately(
    client: AsyncWebClient, *, body: dict[str, Any], click: Click, card: Card
) -> None:
    url = body.get("response_url")
    if url:
        await _respond(url, card, body=body)
        return
    if not (click.channel and click.user):
        logger.warning("walkthrough: nowhere to send a private note", extra=_ids(body))
        return
    try:
        await client.chat_postEphemeral(
            channel=click.channel,
            user=click.user,
            thread_ts=click.thread_ts,
            text=card.text,
            blocks=card.blocks,
        )
    except Exception as error:
        logger.warning(
            "walkthrough: chat.postEphemeral failed: %s", error_code(error), extra=_ids(body)
        )


def _undelivered_card(error: str | None) -> Card:
    """Sorry and try again for a passing failure; what would work for a permanent one."""
    if error not in PERMANENT:
        return SORRY_CARD
    text = undelivered(error)
    return Card(text=text, blocks=[section(text)])


def _ids(body: dict[str, Any]) -> dict[str, Any]:
    return {"ids": request_ids(body)}


# --- starting -----------------------------------------------------------------------------------


async def start(
    *,
    services: Services,
    client: AsyncWebClient,
    body: dict[str, Any],
    user_id: str,
    channel_id: str,
    thread_ts: str | None,
    response_url: str | None,
) -> None:
    """Start a walkthrough for `user_id` where they asked (see `planning.place_for`)."""
    await _begin(
        services.rolefit.knowledge.walkthrough,
        client=client,
        body=body,
        owner=user_id,
        place=planning.place_for(user_id=user_id, channel_id=channel_id, thread_ts=thread_ts),
        response_url=response_url,
    )


async def _begin(
    walkthrough: Walkthrough,
    *,
    client: AsyncWebClient,
    body: dict[str, Any],
    owner: str,
    place: Place,
    response_url: str | None,
) -> None:
    in_dm = new_state(walkthrough, owner=owner, extra=planning.IN_DM)
    try:
        encode_state(in_dm)
    except ValueError:
        logger.warning("walkthrough not started: no usable user id", extra=_ids(body))
        return
    first = step(walkthrough, ())
    assert isinstance(first, NextQuestion)
    if place.in_channel:
        starter = starter_card(owner, total=first.total)
        posted = await post_card(
            client, body=body, channel=place.channel, thread_ts=place.thread_ts, card=starter
        )
        if posted.ts is not None:
            in_channel = new_state(walkthrough, owner=owner, extra=planning.IN_CHANNEL)
            await post_card(
                client,
                body=body,
                channel=place.channel,
                thread_ts=place.thread_ts or posted.ts,
                card=question_card(first, in_channel),
            )
            return
    else:
        posted = await post_card(
            client,
            body=body,
            channel=place.channel,
            thread_ts=place.thread_ts,
            card=question_card(first, in_dm),
        )
        if posted.ts is not None:
            return
    if posted.error not in CANNOT_POST_HERE or place.channel == owner:
        if response_url:
            await _respond(response_url, _undelivered_card(posted.error), body=body)
        return
    logger.info("walkthrough moved to a DM: %s", posted.error, extra=_ids(body))
    if response_url:
        await _respond(response_url, moved_to_dm_card(place.channel), body=body)
    await post_card(
        client,
        body=body,
        channel=owner,
        thread_ts=None,
        card=question_card(first, in_dm, note=moved_to_dm_note(place.channel)),
    )


# --- clicks -------------------------------------------------------------------------------------


async def _refuse(
    client: AsyncWebClient, *, body: dict[str, Any], click: Click, reason: str
) -> None:
    logger.warning("walkthrough button refused: %s", reason, extra=_ids(body))
    await _tell_privately(client, body=body, click=click, card=out_of_date_card())


async def _share(
    client: AsyncWebClient, *, body: dict[str, Any], click: Click, summary: Card, shared: Card
) -> None:
    if not click.channel:
        await _refuse(client, body=body, click=click, reason="a share click without a channel")
        return
    posted = await post_card(client, body=body, channel=click.channel, thread_ts=None, card=summary)
    if posted.ts is None:
        await _tell_privately(client, body=body, click=click, card=could_not_share_card())
        return
    if click.message_ts:
        await _update(client, body=body, channel=click.channel, ts=click.message_ts, card=shared)


async def handle_click(services: Services, *, client: AsyncWebClient, body: dict[str, Any]) -> None:
    """Answer, Back, Start over and Share: refuse stale values and other people's clicks."""
    walkthrough = services.rolefit.knowledge.walkthrough
    click = planning.read_click(body)
    try:
        state = decode_state(click.value, walkthrough)
    except StaleState as error:
        await _refuse(client, body=body, click=click, reason=str(error))
        return
    if click.user != state.owner:
        await _tell_privately(client, body=body, click=click, card=not_yours_card(state.owner))
        return
    key = f"{click.channel}:{click.message_ts}:{click.action}:{click.index}:{click.value}"
    try:
        first = await services.clicks.first_seen(key, ttl=CLICK_TTL)
    except StoreFull:
        logger.warning("walkthrough: click record full, a click ignored", extra=_ids(body))
        first = False
    if not first:
        logger.debug("walkthrough: a repeated click ignored", extra=_ids(body))
        return
    try:
        if click.action == planning.SHARE:
            summary, shared = planning.plan_share(walkthrough, state)
            await _share(client, body=body, click=click, summary=summary, shared=shared)
            return
        plan = planning.plan_click(walkthrough, action=click.action, index=click.index, state=state)
    except StaleState as error:
        await _refuse(client, body=body, click=click, reason=str(error))
        return
    if not click.channel:
        logger.warning("walkthrough: a click without a channel", extra=_ids(body))
        return
    if plan.update is not None and click.message_ts:
        await _update(
            client, body=body, channel=click.channel, ts=click.message_ts, card=plan.update
        )
    if plan.post is not None:
        await post_card(
            client, body=body, channel=click.channel, thread_ts=click.thread_ts, card=plan.post
        )
    if plan.result is not None:
        logger.info("walkthrough finished", extra={**_ids(body), "verdict": plan.result.verdict_id})


def register(app: AsyncApp, *, services: Services) -> None:
    async def start_from_button(body: dict[str, Any], client: AsyncWebClient) -> None:
        owner, place = action_user(body), planning.start_place(body)
        if not owner or place is None:
            logger.warning("walkthrough: a start click without a user", extra=_ids(body))
            return
        choice = planning.read_click(body).value
        url = body.get("response_url")
        if choice in {IN_THREAD, IN_MY_DM} and url and is_ephemeral_source(body):
            await _respond(url, where_chosen_card(choice), body=body, replace=True)
        await _begin(
            services.rolefit.knowledge.walkthrough,
            client=client,
            body=body,
            owner=owner,
            place=place,
            response_url=body.get("response_url"),
        )

    async def on_click(body: dict[str, Any], client: AsyncWebClient) -> None:
        await handle_click(services, client=client, body=body)

    app.action(planning.START)(ack=ack_only, lazy=[start_from_button])
    app.action(planning.CLICK)(ack=ack_only, lazy=[on_click])
