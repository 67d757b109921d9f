"""The message shortcut "Ask RoleFit" and the global shortcut "Hire a PM or a TPM?", in HTTP
mode (signed requests) and in Socket Mode (interactive envelopes)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.cards.common import DECIDE_ANSWER, SHARE
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads, workspace
from bot.local_slack.standin import LocalSlack
from handlers.shortcuts import ASK, DECIDE
from tests.support.blockkit import check_message
from tests.support.harness import RunningApp
from tests.support.socket_slack import SocketSlack, socket_mode_app


def message(call: Any) -> dict[str, Any]:
    return {"text": call.params.get("text"), "blocks": call.blocks}


async def test_ask_rolefit_answers_the_message_privately_with_a_share_button(
    app: RunningApp, stub: LocalSlack
) -> None:
    shortcut = payloads.message_shortcut(
        ASK,
        text="<@U0BOB0002> what does a technical product manager do?",
        response_url=stub.response_url("shortcut"),
    )
    status, body = await app.interact(shortcut)
    assert (status, body) == (200, "")
    [answer] = await stub.wait_for("response_url")
    assert answer.params["_name"] == "shortcut"
    assert answer.params["response_type"] == "ephemeral"
    check_message(message(answer))
    assert "Technical Product Manager" in answer.params["text"]
    share = payloads.find_button(answer.blocks, action_prefix=SHARE)
    await app.click(share, ephemeral=True)
    shared = (await stub.wait_for("response_url", 3))[1]
    assert shared.params["response_type"] == "in_channel"
    assert not stub.of("chat.postMessage")


async def test_ask_rolefit_on_a_message_without_text_says_so(
    app: RunningApp, stub: LocalSlack
) -> None:
    shortcut = payloads.message_shortcut(ASK, text="", response_url=stub.response_url("s"))
    await app.interact(shortcut)
    [answer] = await stub.wait_for("response_url")
    assert "no text I can read" in answer.params["text"]


async def test_hire_a_pm_or_a_tpm_starts_the_walkthrough_in_the_dm(
    app: RunningApp, stub: LocalSlack
) -> None:
    status, body = await app.interact(payloads.global_shortcut(DECIDE))
    assert (status, body) == (200, "")
    [first] = await stub.wait_for("chat.postMessage")
    assert first.params["channel"] == workspace.USER
    check_message(message(first))
    payloads.find_button(first.blocks, action_prefix=DECIDE_ANSWER)


async def test_an_unsigned_shortcut_is_refused(app: RunningApp, stub: LocalSlack) -> None:
    status, _ = await app.interact(payloads.global_shortcut(DECIDE), signed=False)
    assert status == 401
    await stub.settle()
    assert not stub.posts()


@pytest.fixture
async def socket_app(stub: LocalSlack, knowledge: Knowledge) -> AsyncIterator[SocketSlack]:
    server = SocketSlack()
    await server.start()
    try:
        async with socket_mode_app(
            server, stub=stub, knowledge=knowledge, app_token="xapp-1-A0-0-test"
        ) as connected:
            yield connected
    finally:
        await server.stop()


def interactive(envelope_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "interactive",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": payload,
    }


async def test_both_shortcuts_work_in_socket_mode(
    stub: LocalSlack, socket_app: SocketSlack
) -> None:
    ask = payloads.message_shortcut(ASK, text="what is a tpm", response_url=stub.response_url())
    await socket_app.send(interactive("env-ask", ask))
    await socket_app.send(interactive("env-decide", payloads.global_shortcut(DECIDE)))
    assert (await socket_app.ack_for("env-ask"))["envelope_id"] == "env-ask"
    await socket_app.ack_for("env-decide")
    [answer] = await stub.wait_for("response_url")
    assert "Technical Product Manager" in json.dumps(answer.params)
    [first] = await stub.wait_for("chat.postMessage")
    assert first.params["channel"] == workspace.USER
