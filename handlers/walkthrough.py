"""The hiring walkthrough in Slack: where it runs, and what each of its buttons does.

The state lives only in button values (bot.walkthrough.state), so any process can take the next
click and a restart between clicks loses nothing. In a channel it runs in the thread of a short
public starter message; in a DM it runs in the DM; where the bot cannot post it moves to the
person's DM with the app. Answering turns the question message into a record of the answer and
posts the next question below it; Back and Start over edit the question message in place.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.common import (
    DECIDE_ANSWER,
    DECIDE_BACK,
    DECIDE_RESTART,
    DECIDE_SHARE,
    DECIDE_START,
    Card,
)
from bot.cards.walkthrough import (
    answered_card,
    could_not_share_card,
    moved_to_dm_card,
    moved_to_dm_note,
    not_yours_card,
    out_of_date_card,
    question_card,
    result_card,
    shared_result_card,
    starter_card,
)
from bot.knowledge.decision import Walkthrough
from bot.slack.context import action_user, is_home_source, request_ids
from bot.slack.dedup import StoreFull
from bot.slack.retries import error_code
from bot.slack.services import CLICK_TTL, Services
from bot.walkthrough.engine import NextQuestion, Result, step
from bot.walkthrough.state import StaleState, State, decode_state, encode_state, new_state
from handlers.delivery import ack_only, post_card
from handlers.messages import SORRY_CARD, STARTED_OVER_NOTE, went_back_note

logger = logging.getLogger("rolefit.handlers")

# Where a walkthrough runs, kept in the state's `extra`: only a channel thread can share its result.
IN_CHANNEL = "c"
IN_DM = "d"

# chat.postMessage errors that mean "not here", so the walkthrough moves to the person's DM.
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})

ANSWER, BACK, RESTART, SHARE = "answer", "back", "restart", "share"
_ACTIONS = {DECIDE_ANSWER: ANSWER, DECIDE_BACK: BACK, DECIDE_RESTART: RESTART, DECIDE_SHARE: SHARE}
_CLICK = re.compile(
    r"^(?P<action>" + "|".join(re.escape(a) for a in _ACTIONS) + r")(?:\.(?P<index>\d{1,2}))?$"
)
_START = re.compile(rf"^{re.escape(DECIDE_START)}(?:\.\d+)?$")


@dataclass(frozen=True)
class Place:
    """Where a new walkthrough goes; `in_channel` means a public starter message comes first."""

    channel: str
    thread_ts: str | None
    in_channel: bool


def place_for(*, user_id: str, channel_id: str | None, thread_ts: str | None) -> Place:
    """A DM (or no channel at all, as on the App Home) runs in the DM; anything else in a thread."""
    if not channel_id or channel_id == user_id or channel_id.startswith("D"):
        return Place(channel=channel_id or user_id, thread_ts=thread_ts, in_channel=False)
    return Place(channel=channel_id, thread_ts=thread_ts, in_channel=True)


def start_place(body: dict[str, Any]) -> Place | None:
    """Where a "Help me decide" click starts one: the DM from the App Home, else where it was."""
    user = action_user(body)
    if not user:
        return None
    if is_home_source(body):
        return Place(channel=user, thread_ts=None, in_channel=False)
    click = read_click(body)
    return place_for(user_id=user, channel_id=click.channel, thread_ts=click.thread_ts)


@dataclass(frozen=True)
class Click:
    """A click on a walkthrough button, and the message it came from."""

    action: str | None
    index: int | None
    value: str
    user: str | None
    channel: str | None
    message_ts: str | None
    thread_ts: str | None


def _reply_thread(message_ts: str | None, thread_ts: str | None) -> str | None:
    """The thread a message is a reply in; a thread's parent (thread_ts == ts) is in none."""
    return None if thread_ts == message_ts else thread_ts


def read_click(body: dict[str, Any]) -> Click:
    clicked = (body.get("actions") or [{}])[0]
    match = _CLICK.fullmatch(str(clicked.get("action_id") or ""))
    index = match["index"] if match else None
    container = body.get("container") or {}
    message = body.get("message") or {}
    message_ts = message.get("ts") or container.get("message_ts")
    return Click(
        action=_ACTIONS[match["action"]] if match else None,
        index=int(index) if index is not None else None,
        value=str(clicked.get("value") or ""),
        user=action_user(body),
        channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
        message_ts=message_ts,
        thread_ts=_reply_thread(message_ts, message.get("thread_ts") or container.get("thread_ts")),
    )


@dataclass(frozen=True)
class Plan:
    """What a click does: edit the clicked message, then post a message below it."""

    update: Card | None = None
    post: Card | None = None
    result: Result | None = None




def plan_click(
    walkthrough: Walkthrough, *, action: str | None, index: int | None, state: State
) -> Plan:
    """The pure part of a click; StaleState when the button could not be on such a message."""
    current = step(walkthrough, state.answers)
    if action == ANSWER:
        if not isinstance(current, NextQuestion) or index is None:
            raise StaleState("an answer to a finished walkthrough")
        if index >= len(current.question.options):
            raise StaleState(f"no option {index} in question {current.question.id!r}")
        option = current.question.options[index]
        answered = state.answered(option.id)
        following = step(walkthrough, answered.answers)
        record = answered_card(current, option)
        if isinstance(following, Result):
            shareable = state.extra == IN_CHANNEL
            card = result_card(following, answered, shareable=shareable)
            return Plan(update=record, post=card, result=following)
        return Plan(update=record, post=question_card(following, answered))
    if action == BACK:
        if not isinstance(current, NextQuestion) or not current.can_go_back:
            raise StaleState("nothing to go back to")
        previous = state.back()
        earlier = step(walkthrough, previous.answers)
        assert isinstance(earlier, NextQuestion)
        picked = earlier.question.option(state.answers[-1])
        assert picked is not None
        return Plan(update=question_card(earlier, previous, note=went_back_note(picked.label)))
    if action == RESTART:
        fresh = state.start_over()
        first = step(walkthrough, fresh.answers)
        assert isinstance(first, NextQuestion)
        if isinstance(current, Result):
            return Plan(post=question_card(first, fresh))
        return Plan(update=question_card(first, fresh, note=STARTED_OVER_NOTE))
    raise StaleState(f"unknown walkthrough action {action!r}")


def plan_share(walkthrough: Walkthrough, state: State) -> tuple[Card, Card]:
    """The summary for the channel, and the result card as it reads once shared."""
    result = step(walkthrough, state.answers)
    if not isinstance(result, Result) or state.extra != IN_CHANNEL:
        raise StaleState("nothing to share in a channel")
    return (
        shared_result_card(result, owner=state.owner),
        result_card(result, state, shareable=True, shared=True),
    )


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


async def _respond(url: str, card: Card, *, body: dict[str, Any]) -> None:
    """An ephemeral note through a response_url: needs no scope and works where the bot is not."""
    try:
        response = await AsyncRespond(response_url=url)(
            text=card.text, blocks=card.blocks, response_type="ephemeral", replace_original=False
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
    """Start a walkthrough for `user_id` where they asked (see `place_for`)."""
    await _begin(
        services.rolefit.knowledge.walkthrough,
        client=client,
        body=body,
        owner=user_id,
        place=place_for(user_id=user_id, channel_id=channel_id, thread_ts=thread_ts),
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
    in_dm = new_state(walkthrough, owner=owner, extra=IN_DM)
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
            in_channel = new_state(walkthrough, owner=owner, extra=IN_CHANNEL)
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
    if posted.error not in CANNOT_POST or place.channel == owner:
        if response_url:
            await _respond(response_url, SORRY_CARD, body=body)
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
    click = read_click(body)
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
        if click.action == SHARE:
            summary, shared = plan_share(walkthrough, state)
            await _share(client, body=body, click=click, summary=summary, shared=shared)
            return
        plan = plan_click(walkthrough, action=click.action, index=click.index, state=state)
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
        owner, place = action_user(body), start_place(body)
        if not owner or place is None:
            logger.warning("walkthrough: a start click without a user", extra=_ids(body))
            return
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

    app.action(_START)(ack=ack_only, lazy=[start_from_button])
    app.action(_CLICK)(ack=ack_only, lazy=[on_click])
