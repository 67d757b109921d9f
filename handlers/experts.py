"""Ask a person: pass a question to the experts channel, open the answer modal, deliver the answer.

The loop: "Ask a person" (on a card that did not answer) posts the question in
ROLEFIT_EXPERTS_CHANNEL with an "Answer" button; "Answer" opens a modal; its submission goes to
the asker where they asked, marks the experts' message answered, and is kept as a draft FAQ entry
for review (`rolefit drafts export`). Drafts are never served as answers.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.common import ASK_PERSON, EXPERT_ANSWER
from bot.cards.experts import (
    ANSWER_VIEW,
    Asked,
    Where,
    answer_modal,
    decode_asked,
    delivered_card,
    experts_card,
    experts_note,
    passed_on_card,
    read_submission,
)
from bot.feedback.records import Draft, team_of
from bot.feedback.redact import redact
from bot.slack.context import action_user, is_ephemeral_source, message_thread, request_ids
from bot.slack.retries import error_code
from bot.slack.services import Services
from handlers.actions import value_of
from handlers.delivery import ack_only, post_card
from handlers.messages import EXPERTS_UNREACHABLE, STALE

logger = logging.getLogger("rolefit.handlers")

NOT_HELPFUL_NOTE = " (RoleFit's answer to this was marked not helpful)"


def user_name(body: dict[str, Any]) -> str:
    """The display handle Slack sends with a click or a submission, for crediting people."""
    user = body.get("user") or {}
    return str(user.get("name") or user.get("username") or user.get("id") or "someone")


def asked_from_click(body: dict[str, Any], text: str) -> Asked | None:
    """Who asked and where to answer them, read from the "Ask a person" click."""
    user = action_user(body)
    if not user:
        return None
    channel, thread_ts = message_thread(body)
    where: Where
    if is_ephemeral_source(body) or not channel:
        where, channel, thread_ts = "command", channel or user, None
    elif channel.startswith("D"):
        where, thread_ts = "dm", None
    else:
        where = "mention"
    return Asked(
        user=user,
        where=where,
        channel=channel,
        thread_ts=thread_ts,
        text=redact(text),
        asker_name=user_name(body),
    )


def _ids(body: dict[str, Any]) -> dict[str, Any]:
    return {"ids": request_ids(body)}


def register(app: AsyncApp, *, services: Services) -> None:
    knowledge = services.rolefit.knowledge
    topics = list(knowledge.topics())

    def question_of(value: str) -> str | None:
        if value.startswith("q:") and value[2:].strip():
            return value[2:].strip()
        entry = knowledge.by_id.get(value[2:]) if value.startswith("e:") else None
        return entry.question + NOT_HELPFUL_NOTE if entry is not None else None

    async def ask_person(
        body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        experts = services.experts_channel
        text = question_of(value_of(body))
        asked = asked_from_click(body, text) if text is not None else None
        if experts is None or asked is None:
            logger.warning("ask a person: nothing to pass on", extra=_ids(body))
            await respond(replace_original=False, response_type="ephemeral", **STALE.message())
            return
        posted = await post_card(client, body=body, channel=experts, card=experts_card(asked))
        if posted.ts is None:
            await respond(
                replace_original=False, response_type="ephemeral", text=EXPERTS_UNREACHABLE
            )
            return
        logger.info("question passed to the experts", extra=_ids(body))
        note = passed_on_card(experts)
        await respond(replace_original=False, response_type="ephemeral", **note.message())

    async def open_answer(body: dict[str, Any], client: AsyncWebClient) -> None:
        asked = decode_asked(value_of(body))
        channel, _ = message_thread(body)
        message_ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get(
            "message_ts"
        )
        trigger = body.get("trigger_id")
        if asked is None or not channel or not message_ts or not trigger:
            logger.warning("experts: an Answer click without its question", extra=_ids(body))
            return
        asked = replace(asked, message=f"{channel} {message_ts}")
        try:
            await client.views_open(trigger_id=trigger, view=answer_modal(asked, topics=topics))
        except Exception as error:
            logger.warning("experts: views.open failed: %s", error_code(error), extra=_ids(body))

    async def check_answer(ack: AsyncAck, body: dict[str, Any]) -> None:
        _, errors = read_submission((body.get("view") or {}).get("state") or {}, topics=topics)
        if errors:
            await ack(response_action="errors", errors=errors)
        else:
            await ack()

    async def deliver_answer(body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        submitted, _ = read_submission(view.get("state") or {}, topics=topics)
        asked = decode_asked(str(view.get("private_metadata") or ""))
        expert = action_user(body)
        if submitted is None or asked is None or not expert:
            if submitted is not None:
                logger.warning("experts: a submission without its question", extra=_ids(body))
            return
        name = user_name(body)
        card = delivered_card(asked, submitted, expert_name=name)
        if asked.where == "mention":
            posted = await post_card(
                client, body=body, channel=asked.channel, thread_ts=asked.thread_ts, card=card
            )
        else:
            target = asked.channel if asked.where == "dm" else asked.user
            posted = await post_card(client, body=body, channel=target, card=card)
        note = experts_note(posted.error or "unknown") if posted.ts is None else None
        channel, _, ts = asked.message.partition(" ")
        if channel and ts:
            update = experts_card(replace(asked.answered(name), message=""), note=note)
            try:
                await client.chat_update(channel=channel, ts=ts, **update.message())
            except Exception as error:
                logger.warning(
                    "experts: chat.update failed: %s", error_code(error), extra=_ids(body)
                )
        draft = Draft(
            at=time.time(),
            team=team_of(body),
            expert=expert,
            expert_name=name,
            topic=submitted.topic,
            question=redact(submitted.question),
            asked=asked.text,
            answer=redact(submitted.answer),
        )
        await services.keep_draft(draft)

    app.action(ASK_PERSON)(ack=ack_only, lazy=[ask_person])
    app.action(EXPERT_ANSWER)(ack=ack_only, lazy=[open_answer])
    app.view(ANSWER_VIEW)(ack=check_answer, lazy=[deliver_answer])
