"""The one local Slack (bot/local_slack): what it accepts when lenient (tests) and refuses when
strict (console), its call feed, fresh payload ids, signing checked by slack_sdk's own verifier,
and the launcher's environment and failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.local_slack import payloads, signing
from bot.local_slack.launcher import LaunchError, launch, server_env
from bot.local_slack.standin import LocalSlack
from bot.local_slack.workspace import DM, OTHER_USER, USER


async def _started(strict: bool) -> AsyncIterator[tuple[LocalSlack, AsyncWebClient]]:
    async with LocalSlack(token=signing.BOT_TOKEN, strict=strict) as slack:
        yield slack, AsyncWebClient(token=signing.BOT_TOKEN, base_url=slack.api_url)


@pytest.fixture
async def lenient() -> AsyncIterator[tuple[LocalSlack, AsyncWebClient]]:
    async for started in _started(strict=False):
        yield started


@pytest.fixture
async def strict() -> AsyncIterator[tuple[LocalSlack, AsyncWebClient]]:
    async for started in _started(strict=True):
        yield started


async def _post_to(url: str, times: int) -> list[int]:
    statuses = []
    async with aiohttp.ClientSession() as session:
        for n in range(times):
            async with session.post(url, json={"text": f"post {n}"}) as response:
                statuses.append(response.status)
    return statuses


async def test_lenient_answers_what_a_test_makes_up(
    lenient: tuple[LocalSlack, AsyncWebClient],
) -> None:
    slack, client = lenient
    posted = await client.chat_postMessage(channel=USER, text="hi")
    assert posted["channel"] == DM
    made_up = await client.chat_update(channel="C0ELSEWHERE", ts="1.000001", text="edited")
    assert made_up["ok"] and made_up["ts"] == "1.000001"
    assert (await client.chat_postEphemeral(channel=DM, user=OTHER_USER, text="psst"))["ok"]
    assert (await client.conversations_open(users=OTHER_USER))["channel"]["id"] == "D0BOB0002"
    assert await _post_to(slack.response_url("click"), 6) == [200] * 6
    assert [c.params["_name"] for c in slack.of("response_url")] == ["click"] * 6
    assert [c.method for c in slack.posts()][:3] == [
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
    ]


async def test_strict_refuses_what_a_one_person_workspace_does_not_have(
    strict: tuple[LocalSlack, AsyncWebClient],
) -> None:
    slack, client = strict
    refusals = {
        "message_not_found": client.chat_update(channel=DM, ts="1.000001", text="x"),
        "user_not_in_channel": client.chat_postEphemeral(channel=DM, user=OTHER_USER, text="x"),
        "user_not_found": client.views_publish(user_id=OTHER_USER, view={"type": "home"}),
    }
    for error, request in refusals.items():
        with pytest.raises(SlackApiError) as refused:
            await request
        assert refused.value.response["error"] == error
    unknown = slack.response_url().rsplit("/", 1)[0] + "/never-issued"
    assert await _post_to(unknown, 1) == [404]
    assert await _post_to(slack.response_url(), 6) == [200] * 5 + [404]
    wrong = AsyncWebClient(token="xoxb-someone-else", base_url=slack.api_url)
    with pytest.raises(SlackApiError) as refused:
        await wrong.auth_test()
    assert refused.value.response["error"] == "invalid_auth"


async def test_first_finds_a_call_and_when_it_arrived(
    lenient: tuple[LocalSlack, AsyncWebClient],
) -> None:
    slack, client = lenient
    for thread in ("1.1", "2.2"):
        await client.chat_postMessage(channel=DM, text="reply", thread_ts=thread)
    found = await slack.first(lambda c: c.params.get("thread_ts") == "2.2", timeout=5)
    assert found is slack.of("chat.postMessage")[1]
    assert found.arrived >= slack.of("chat.postMessage")[0].arrived > 0
    with pytest.raises(TimeoutError):
        await slack.first(lambda c: c.method == "views.open", timeout=0.05)


def test_every_payload_has_fresh_ids() -> None:
    commands = [payloads.command("q") for _ in range(3)]
    assert len({c["trigger_id"] for c in commands}) == 3
    events = [payloads.envelope(payloads.mention("q")) for _ in range(3)]
    assert len({e["event_id"] for e in events}) == 3
    button = {"action_id": "rolefit.open.1", "value": "entry:x"}
    clicks = [payloads.block_action(button) for _ in range(2)]
    assert clicks[0]["trigger_id"] != clicks[1]["trigger_id"]
    assert payloads.command("q", channel=DM)["channel_name"] == "directmessage"


@pytest.mark.parametrize("content_type", [signing.FORM, signing.JSON])
def test_signed_headers_pass_slack_sdks_own_verifier(content_type: str) -> None:
    body = (
        signing.form_body(payloads.command("what is a tpm"))
        if content_type == signing.FORM
        else signing.json_body(payloads.envelope(payloads.dm("hi")))
    )
    for sent in (body, body.encode()):
        headers = signing.signed_headers(sent, content_type=content_type)
        assert headers["Content-Type"] == content_type
        assert SignatureVerifier(signing.SIGNING_SECRET).is_valid_request(body, headers)
        assert not SignatureVerifier("another-secret-0123456789").is_valid_request(body, headers)


def test_a_launched_server_gets_none_of_the_callers_slack_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-a-real-workspace-token")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-a-real-one")
    monkeypatch.setenv("ROLEFIT_DB", "/somewhere/real.db")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("PORT", "8080")
    env = server_env(api_url="http://127.0.0.1:1/api/", LOG_LEVEL="INFO")
    assert env["SLACK_BOT_TOKEN"] == signing.BOT_TOKEN
    assert env["SLACK_SIGNING_SECRET"] == signing.SIGNING_SECRET
    assert env["SLACK_API_URL"] == "http://127.0.0.1:1/api/"
    assert env["LOG_LEVEL"] == "INFO"
    assert not {"SLACK_APP_TOKEN", "PORT"} & set(env)
    assert env["ROLEFIT_DB"] != "/somewhere/real.db"
    assert Path(env["ROLEFIT_DB"]).parent.is_dir() and not Path(env["ROLEFIT_DB"]).exists()


async def test_launch_reports_a_server_that_exits_with_its_output(tmp_path: Path) -> None:
    log = tmp_path / "broken.log"
    env = server_env(api_url="http://127.0.0.1:9/api/")
    with pytest.raises(LaunchError, match="exited with 1") as failed:
        await launch(("bot.no_such_module",), env=env, log=log)
    assert "No module named bot.no_such_module" in str(failed.value)
    assert "No module named" in log.read_text()
