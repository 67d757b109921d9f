"""Logs: one JSON object a line, with the request's ids; never a token or a secret; typed text
only at DEBUG."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from bot import logs
from bot.local_slack import payloads, workspace
from bot.local_slack.signing import form_body, json_body, payload_body, signed_headers
from bot.local_slack.standin import LocalSlack
from tests.support.harness import start_serve

BOT_TOKEN = "xoxb-2710385610-4839201758394-Zq8LrT3vNw0PxYk7HsD2fGmC"
SIGNING_SECRET = "9b1f4c2e7a8d3b6f0e5c1a9d7b3e8f24"
TYPED = "zebra quokka 771 what is a tpm"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in logs.QUIET_LIBRARIES}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)
    logs.bind_ids({})


# ---------------------------------------------------------------- the pieces


def test_the_redactor_removes_tokens_and_configured_secrets() -> None:
    redact = logs.Redactor([SIGNING_SECRET, None, ""])
    line = (
        f"token={BOT_TOKEN} app=xapp-1-A0ROLE-4839201758394-abcdef user=xoxp-1-2-3-abc "
        f"refresh=xoxe.xoxp-1-Zq8L secret={SIGNING_SECRET} Authorization: Bearer abc.def-ghi"
    )
    cleaned = redact(line)
    for secret in (
        BOT_TOKEN,
        "xapp-1-A0ROLE",
        "xoxp-1-2-3",
        "xoxe.xoxp",
        SIGNING_SECRET,
        "abc.def",
    ):
        assert secret not in cleaned
    assert cleaned.count(logs.REDACTED) == 6
    assert redact("what is a tpm? xoxo") == "what is a tpm? xoxo"


def test_json_lines_carry_the_bound_ids_and_hide_text_above_debug(
    restore_logging: None,
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter(logs.Redactor([SIGNING_SECRET])))
    handler.addFilter(logs.IdsFilter())
    log = logging.getLogger("rolefit.test")
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    logs.bind_ids({"team": "T1", "channel": "C1", "user": "U1", "event_id": "Ev1"})
    log.info("two\nlines with %s", SIGNING_SECRET, extra={"text": TYPED})
    log.debug("typed", extra={"text": TYPED})
    try:
        raise ValueError(f"boom {BOT_TOKEN}")
    except ValueError:
        log.exception("failed", extra={"ids": {"team": "T2"}})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    info, debug, error = (json.loads(line) for line in lines)
    assert info["message"] == f"two\nlines with {logs.REDACTED}"
    assert (info["team"], info["channel"], info["user"], info["event_id"]) == (
        "T1",
        "C1",
        "U1",
        "Ev1",
    )
    assert "text" not in info and debug["text"] == TYPED
    assert error["team"] == "T2" and "channel" not in error
    assert "ValueError" in error["error"] and BOT_TOKEN not in error["error"]


def test_setup_keeps_chatty_libraries_above_debug(restore_logging: None) -> None:
    logs.setup(level="DEBUG", fmt="json", secrets=[BOT_TOKEN])
    assert logging.getLogger().level == logging.DEBUG
    for name in ("slack_sdk", "slack_sdk.web.async_client", "aiohttp.client"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)
    assert logging.getLogger("rolefit.handlers").isEnabledFor(logging.DEBUG)


# ---------------------------------------------------------------- a real server's output


async def run_server_and_capture(stub: LocalSlack, *, level: str) -> list[dict[str, Any]]:
    """Serve a command, a mention, a click, a bad request and a typed token; return the log."""
    server = await start_serve(
        stub,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        LOG_FORMAT="json",
        LOG_LEVEL=level,
    )
    session = aiohttp.ClientSession()
    try:

        async def post(body: str, content_type: str, *, secret: str = SIGNING_SECRET) -> int:
            headers = signed_headers(body, content_type=content_type, secret=secret)
            async with session.post(
                f"{server.url}/slack/events", data=body.encode(), headers=headers
            ) as response:
                return response.status

        command = form_body(payloads.command(TYPED, response_url=stub.response_url("cmd")))
        async with session.post(
            f"{server.url}/slack/events",
            data=command.encode(),
            headers=signed_headers(command, content_type=FORM, secret=SIGNING_SECRET),
        ) as response:
            assert response.status == 200
            answer = await response.json()
        mention = payloads.envelope(payloads.mention(TYPED), event_id="EvLOGS0001")
        assert await post(json_body(mention), "application/json") == 200
        button = payloads.find_button(answer["blocks"], action_prefix="rolefit.open")
        click = payloads.block_action(button, response_url=stub.response_url(), ephemeral=True)
        assert await post(payload_body(click), FORM) == 200
        leaked = form_body(payloads.command(f"my token is {BOT_TOKEN}"))
        assert await post(leaked, FORM) == 200
        assert await post(command, FORM, secret="wrong-secret-0123456789") == 401
        await stub.wait_for("chat.postMessage")
        await stub.wait_for("response_url")
        code, stderr = await server.stop()
    finally:
        await session.close()
        await server.kill()
    assert code == 0, stderr
    for secret in (BOT_TOKEN, SIGNING_SECRET, BOT_TOKEN.split("-", 1)[1]):
        assert secret not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


async def test_debug_logs_are_json_with_ids_and_never_show_secrets(stub: LocalSlack) -> None:
    records = await run_server_and_capture(stub, level="DEBUG")
    assert {"time", "level", "logger", "message"} <= set(records[0])
    mention = [r for r in records if r.get("event_id") == "EvLOGS0001"]
    assert mention, "no line carries the mention's event id"
    assert all(
        (r["team"], r["channel"], r["user"]) == (workspace.TEAM, workspace.CHANNEL, workspace.USER)
        for r in mention
    )
    assert any(r.get("text", "").endswith(TYPED) for r in records), "typed text shown at DEBUG"
    assert any(r["message"].startswith("refused a request") for r in records)


async def test_info_logs_never_show_what_people_typed(stub: LocalSlack) -> None:
    records = await run_server_and_capture(stub, level="INFO")
    assert records, "the server logged nothing"
    assert not [r for r in records if "zebra" in json.dumps(r)]
    assert all(r["level"] != "debug" for r in records)
