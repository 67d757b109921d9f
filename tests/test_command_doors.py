"""`/rolefit` has two doors: answered at the HTTP gate, or through Bolt (Socket Mode, console).

Both must give the same answer to the same signed request, record it once, and leave to Bolt
what only Bolt can do (`decide`, Slack's ssl_check, other commands).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.feedback.store import SqliteStore
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads, workspace
from bot.local_slack.signing import BOT_TOKEN, FORM, SIGNING_SECRET, form_body, signed_headers
from bot.local_slack.standin import LocalSlack
from bot.slack.app import build_app, build_services
from bot.slack.server import bolt_request, parse_body
from bot.slack.services import Services
from handlers.commands import quick_answer
from tests.support.blockkit import check_message
from tests.support.harness import RunningApp

TEXTS = [
    "",
    "help",
    "topics",
    "compare",
    "compare kpis",
    "compare nonsense-area",
    "pm",
    "tpm",
    "jd",
    "jd tpm",
    "what does a technical product manager do",
    "platform",
    "can I expense a taxi?",
    "what is a tpm? payload=1&text=<!channel>",
    "<@U0BOB0002> <!here> *bold* `code` <https://evil.example|click>",
    "x" * 5000,
]


async def through_bolt(services: Services, stub: LocalSlack, fields: dict[str, Any]) -> Any:
    """The request as bot/slack/server.py hands it to Bolt when the quick door declines it."""
    settings = Settings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=stub.api_url)
    bolt = build_app(settings=settings, services=services)
    raw = form_body(fields).encode()
    headers = {k.lower(): v for k, v in signed_headers(raw.decode(), content_type=FORM).items()}
    request = bolt_request(
        raw, parse_body(raw, FORM), headers=headers, query="", secret=SIGNING_SECRET
    )
    response = await bolt.async_dispatch(request)
    assert response.status == 200
    return json.loads(response.body) if response.body else {}


@pytest.mark.parametrize("text", TEXTS)
async def test_both_doors_give_the_same_answer(
    app: RunningApp, stub: LocalSlack, rolefit: RoleFit, text: str
) -> None:
    fields = payloads.command(text, response_url=stub.response_url("cmd"))
    status, raw = await app.post(form_body(fields), content_type=FORM)
    assert status == 200
    at_gate = json.loads(raw)
    check_message(at_gate)
    assert at_gate == await through_bolt(build_services(rolefit), stub, fields)


async def test_the_gate_answers_without_bolt(app: RunningApp, stub: LocalSlack) -> None:
    """The HTTP door answers even when Bolt could not (only the start-up auth.test was made)."""
    body = await app.command("what does a tpm do")
    check_message(body)
    await stub.settle()
    assert [call.method for call in stub.calls] == ["auth.test"]


def test_quick_answer_leaves_to_bolt_what_is_not_its_own(rolefit: RoleFit) -> None:
    answer = quick_answer(services=build_services(rolefit))
    command = payloads.command("compare")
    assert answer(command) is not None
    assert answer({**command, "text": "decide", "channel_id": workspace.DM}) is None
    where = answer({**command, "text": "decide"})
    assert where is not None and where["response_type"] == "ephemeral", "in a channel: asks first"
    assert answer({**command, "command": "/other"}) is None
    assert answer({**command, "ssl_check": "1"}) is None
    assert answer(payloads.envelope(payloads.mention("what is a tpm"))) is None


async def test_decide_still_starts_the_walkthrough_through_bolt(
    app: RunningApp, stub: LocalSlack
) -> None:
    assert await app.command("decide", channel=workspace.DM) == {}
    [post] = await stub.wait_for("chat.postMessage")
    check_message(post.params)
    assert post.params["channel"] == workspace.DM


async def test_ssl_check_and_other_commands_go_to_bolt(app: RunningApp, stub: LocalSlack) -> None:
    ssl_check = form_body({"ssl_check": "1", "token": "legacy-unused"})
    assert await app.post(ssl_check, content_type=FORM) == (200, "")
    other = form_body({**payloads.command("what is a tpm"), "command": "/other"})
    assert await app.post(other, content_type=FORM) == (200, "")
    await stub.settle()
    assert stub.posts() == []


async def test_each_command_is_recorded_once_whichever_door(
    stub: LocalSlack, knowledge: Knowledge, rolefit: RoleFit, tmp_path: Path
) -> None:
    services = build_services(rolefit, settings=Settings(db_path=str(tmp_path / "r.db")))
    app = await RunningApp.start(stub, knowledge, services=services)
    try:
        for text in ("what is a tpm", "decide", "compare"):
            await app.command(text, channel=workspace.DM)
        await stub.wait_for("chat.postMessage")
        await through_bolt(services, stub, payloads.command("tpm"))
    finally:
        await app.stop()
    feedback = services.feedback
    assert feedback is not None
    assert await asyncio.to_thread(feedback.flush)
    store = SqliteStore.open(feedback.name)
    try:
        commands = [q.command for q in store.questions()]
    finally:
        store.close()
        await asyncio.to_thread(feedback.close)
    assert commands == ["ask", "decide", "compare", "profile"]
