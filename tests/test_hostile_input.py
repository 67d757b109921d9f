"""Requests that are not Slack's, not whole, or not meant kindly; and whatever people type."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt.async_app import AsyncApp

from bot.cards.common import Surface
from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads, workspace
from bot.local_slack.signing import (
    BOT_TOKEN,
    FORM,
    SIGNING_SECRET,
    form_body,
    json_body,
    payload_body,
    signed_headers,
)
from bot.local_slack.standin import LocalSlack
from bot.slack.app import build_app, build_services
from bot.slack.server import (
    MAX_BODY,
    MalformedBody,
    bolt_request,
    parse_body,
    sign,
    signature_problem,
)
from tests.support.blockkit import check_message
from tests.support.harness import RunningApp

JSON = "application/json"

# A broadcast, mention, channel link or disguised link, anywhere; a URL outside a code span.
_CONTROL_SEQUENCE = re.compile(r"<\s*[!@#]|<\s*(?:https?|mailto|ftp|slack)\s*:", re.IGNORECASE)
_BARE_LINK = re.compile(r"https?://|\bwww\.|\bftp://", re.IGNORECASE)
_CODE_SPAN = re.compile(r"`[^`]*`")

HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S123|@team>",
    "<@U0ALICE01>",
    "<@U123|bob>",
    "<#C0GENERAL|general>",
    "<https://evil.example|click here>",
    "<mailto:a@evil.example|mail>",
    "https://evil.example/login",
    "www.evil.example",
    "*bold* _it_ ~strike~ `code` ```block```",
    "<script>alert(1)</script>",
    "<b>html</b> &amp; &lt;!channel&gt;",
    "> quoted\n>>> more",
    "\u202eevil\u202c \u200b\u2066",
    "\x00\x07\x1b[31m\x7f",
    ":tada: 🎉 👩🏽‍💻 Z̷̛͍a̸l̴g̶o",
    "`" * 40,
    "&" * 50,
]
PREFIXES = ["", "compare ", "vs ", "profile ", "jd ", "job description for ", "topic ", "what is "]


def texts_of(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for v in node.values() if isinstance(v, dict | list) for t in texts_of(v)]
    if isinstance(node, list):
        return [t for item in node for t in texts_of(item)]
    return []


def assert_inert(message: dict[str, Any], *, shared_by: str | None = None) -> None:
    """Valid Block Kit, and nothing in it notifies, mentions or links beyond what the app put."""
    check_message(message)
    for text in [message["text"], *texts_of(message.get("blocks") or [])]:
        if shared_by is not None:
            text = text.replace(f"Shared by <@{shared_by}>", "Shared by")
        assert not _CONTROL_SEQUENCE.search(text), text
        assert not _BARE_LINK.search(_CODE_SPAN.sub("", text)), text


hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(codec="utf-8"), max_size=80),
    st.builds(
        lambda prefix, parts: prefix + " ".join(parts),
        st.sampled_from(PREFIXES),
        st.lists(st.sampled_from(HOSTILE) | st.text(max_size=12), min_size=1, max_size=6),
    ),
    st.builds(lambda part, n: part * n, st.sampled_from(HOSTILE), st.integers(1, 400)),
)


# ---------------------------------------------------------------- what people type (pure)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text, surface=st.sampled_from(Surface), brief=st.booleans())
def test_any_text_gets_an_inert_valid_reply(
    rolefit: RoleFit, text: str, surface: Surface, brief: bool
) -> None:
    reply = rolefit.reply(text, surface=surface, brief_help=brief)
    if reply.starts_walkthrough:
        assert reply.card is None
        return
    assert reply.card is not None
    assert_inert(reply.card.message())


def _ten_thousand(chunk: str) -> str:
    return (chunk * (10_000 // len(chunk) + 1))[:10_000]


@settings(max_examples=30, deadline=None)
@given(
    tail=st.text(st.characters(codec="utf-8"), min_size=1, max_size=200)
    .filter(str.strip)
    .map(_ten_thousand)
)
def test_a_10000_character_question_is_matched_on_its_first_part(
    rolefit: RoleFit, tail: str
) -> None:
    question = "what is the difference between a pm and a tpm? " + tail
    reply = rolefit.reply(question, surface=Surface.PRIVATE)
    assert reply.card is not None and reply.match is not None
    assert reply.match.truncated
    assert_inert(reply.card.message())
    assert "long question" in json.dumps(reply.card.blocks), reply.kind


# ---------------------------------------------------------------- what people type (through Slack)


@pytest.mark.parametrize("text", [*HOSTILE, "what is a <!channel> tpm <https://evil.example|x>?"])
async def test_hostile_text_in_a_slash_command(app: RunningApp, text: str) -> None:
    assert_inert(await app.command(text))


async def test_hostile_text_in_mentions_and_dms(app: RunningApp, stub: LocalSlack) -> None:
    sent = 0
    for n, text in enumerate(HOSTILE):
        await app.event(payloads.mention(text, ts=f"1700000100.{n:06d}"))
        await app.event(payloads.dm(text, ts=f"1700000200.{n:06d}"))
        sent += 2
    posts = await stub.wait_for("chat.postMessage", sent)
    assert len(posts) == sent
    for post in posts:
        assert_inert({"text": post.params["text"], "blocks": post.blocks})


async def test_a_long_question_through_the_app_says_it_was_cut(
    app: RunningApp, stub: LocalSlack
) -> None:
    question = "what does a technical product manager do? " + "and also " * 1200
    answer = await app.command(question)
    assert_inert(answer)
    assert "long question" in json.dumps(answer["blocks"])
    await app.event(payloads.mention(question))
    post = (await stub.wait_for("chat.postMessage"))[0]
    assert "long question" in json.dumps(post.blocks)


async def test_the_only_mention_in_a_shared_card_is_the_sharer(
    app: RunningApp, stub: LocalSlack
) -> None:
    answer = await app.command("what is a tpm?")
    share = payloads.find_button(answer["blocks"], action_prefix="rolefit.share")
    assert await app.click(share, ephemeral=True, user=workspace.OTHER_USER) == 200
    shared = [c for c in await stub.wait_for("response_url", 2) if c.params.get("response_type")]
    in_channel = next(c for c in shared if c.params["response_type"] == "in_channel")
    assert_inert(in_channel.params, shared_by=workspace.OTHER_USER)
    assert f"<@{workspace.OTHER_USER}>" in json.dumps(in_channel.params["blocks"])


async def test_the_word_payload_in_a_command_is_still_a_command(app: RunningApp) -> None:
    """Bolt reads any form body containing "payload" as interactivity; the gate corrects that."""
    answer = await app.command("what is the payload of a tpm?")
    assert answer.get("response_type") == "ephemeral"
    assert_inert(answer)


# ---------------------------------------------------------------- who may call: signatures


def test_signature_problems_are_named() -> None:
    raw, now = b"a=1", 1_700_000_000
    good = sign(raw, str(now), SIGNING_SECRET)
    check: dict[str, Any] = {"secret": SIGNING_SECRET, "now": now}
    assert signature_problem(raw, timestamp=str(now), signature=good, **check) is None
    assert signature_problem(raw, timestamp=None, signature=good, **check) == "unsigned"
    assert signature_problem(raw, timestamp=str(now), signature="", **check) == "unsigned"
    for ts in ("abc", "１２３", " 1700000000", "-5", "1e9"):
        assert signature_problem(raw, timestamp=ts, signature=good, **check) is not None
    assert signature_problem(raw, timestamp=str(now), signature="v0=é", **check) is not None
    stale: dict[str, Any] = {"secret": SIGNING_SECRET, "now": now + 301}
    assert signature_problem(raw, timestamp=str(now), signature=good, **stale) == "stale timestamp"
    early: dict[str, Any] = {"secret": SIGNING_SECRET, "now": now - 301}
    assert signature_problem(raw, timestamp=str(now), signature=good, **early) == "stale timestamp"
    other = sign(raw, str(now), "another-secret-0123456789")
    assert signature_problem(raw, timestamp=str(now), signature=other, **check) == (
        "wrong signature"
    )
    assert signature_problem(b"a=2", timestamp=str(now), signature=good, **check) == (
        "wrong signature"
    )


def _command_body(text: str = "what is a tpm?") -> str:
    return form_body(payloads.command(text))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": str(int(time.time()))},
        {"X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64},
    ],
    ids=["no headers", "no signature", "no timestamp", "bad timestamp"],
)
async def test_unsigned_requests_are_refused_before_any_listener(
    app: RunningApp, stub: LocalSlack, headers: dict[str, str]
) -> None:
    status, body = await app.post(_command_body(), content_type=FORM, headers=headers, signed=False)
    assert (status, json.loads(body)) == (401, {"error": "invalid request"})
    status, _ = await app.post(
        json_body(payloads.envelope(payloads.mention("hi"))),
        content_type=JSON,
        headers=headers,
        signed=False,
    )
    assert status == 401
    await stub.settle()
    assert [call.method for call in stub.calls] == ["auth.test"], "only the start-up check"


async def test_wrongly_signed_and_stale_requests_are_refused(
    app: RunningApp, stub: LocalSlack
) -> None:
    body = _command_body()
    forged = signed_headers(body, content_type=FORM, secret="another-secret-0123456789")
    assert (await app.post(body, content_type=FORM, headers=forged, signed=False))[0] == 401
    now = int(time.time())
    for timestamp in (now - 301, now + 301, now - 86_400):
        assert (await app.post(body, content_type=FORM, timestamp=timestamp))[0] == 401
    tampered = signed_headers(body, content_type=FORM)
    status, _ = await app.post(
        body.replace("tpm", "pm"), content_type=FORM, headers=tampered, signed=False
    )
    assert status == 401
    await stub.settle()
    assert [call.method for call in stub.calls] == ["auth.test"], "only the start-up check"


async def test_a_replayed_request_is_refused(app: RunningApp, stub: LocalSlack) -> None:
    body = json_body(payloads.envelope(payloads.mention("what is a tpm?")))
    headers = signed_headers(body, content_type=JSON)
    first = await app.post(body, content_type=JSON, headers=headers, signed=False)
    again = await app.post(body, content_type=JSON, headers=headers, signed=False)
    assert (first[0], again[0]) == (200, 401)
    command = _command_body()
    headers = signed_headers(command, content_type=FORM)
    assert (await app.post(command, content_type=FORM, headers=headers, signed=False))[0] == 200
    assert (await app.post(command, content_type=FORM, headers=headers, signed=False))[0] == 401
    await stub.wait_for("chat.postMessage")
    await stub.settle()
    assert len(stub.of("chat.postMessage")) == 1


async def test_bolt_lazy_only_headers_cannot_skip_the_ack(app: RunningApp) -> None:
    body = _command_body()
    headers = {
        "X-Slack-Bolt-Lazy-Only": "1",
        "X-Slack-Bolt-Lazy-Function-Name": "start_walkthrough_if_asked",
    }
    status, text = await app.post(body, content_type=FORM, headers=headers)
    assert status == 200
    assert_inert(json.loads(text))


# ---------------------------------------------------------------- bodies: too big, not whole


async def test_bodies_over_1_mib_are_refused(app: RunningApp, stub: LocalSlack) -> None:
    big = "text=" + "a" * MAX_BODY
    assert (await app.post(big, content_type=FORM))[0] == 413
    assert (await app.post(big, content_type=FORM, signed=False))[0] == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"a" * 65536

    assert app.session is not None
    async with app.session.post(app.url, data=chunks(), headers={"Content-Type": FORM}) as response:
        assert response.status == 413
    await stub.settle()
    assert [call.method for call in stub.calls] == ["auth.test"], "only the start-up check"


MALFORMED = [
    ("payload=%7Bnot-json", FORM),
    ("payload=%5B1%2C2%5D", FORM),
    ("payload=", FORM),
    ("text=%FF%FE&command=%2Frolefit", FORM),
    ("just-a-word", FORM),
    ("{not json", JSON),
    ("[1, 2, 3]", JSON),
    ('"a string"', JSON),
    ('{"type": "event_callback", "event": "x"}', JSON),
    ('{"type": "block_actions", "user": "U1", "actions": [1]}', JSON),
    ('{"type": "event_callback", "event": {"type": "app_mention", "channel": 5}}', JSON),
    ('{"text": "\\ud800"}', JSON),
    ("[" * 5000 + "]" * 5000, JSON),
    ('{"a":' * 100 + "1" + "}" * 100, JSON),
    ("", FORM),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
async def test_malformed_bodies_are_400_when_signed_and_401_when_not(
    app: RunningApp, stub: LocalSlack, body: str, content_type: str
) -> None:
    status, text = await app.post(body, content_type=content_type)
    assert status == 400, text
    assert (await app.post(body, content_type=content_type, signed=False))[0] == 401
    await stub.settle(0.05)
    assert stub.posts() == []


async def test_raw_bytes_that_are_not_utf8_are_400(app: RunningApp) -> None:
    raw = b"text=\xff\xfe&command=/rolefit"
    headers = signed_headers("", content_type=FORM)
    headers["X-Slack-Signature"] = sign(raw, headers["X-Slack-Request-Timestamp"], SIGNING_SECRET)
    assert app.session is not None
    async with app.session.post(app.url, data=raw, headers=headers) as response:
        assert response.status == 400


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_parse_body_reads_a_dict_or_says_why_not(raw: bytes) -> None:
    for content_type in (FORM, JSON):
        try:
            assert isinstance(parse_body(raw, content_type), dict)
        except MalformedBody as error:
            assert str(error)


# ---------------------------------------------------------------- shapes Slack never sends

_KEYS = [
    "type", "event", "team", "user", "channel", "container", "view", "message", "enterprise",
    "authorizations", "actions", "response_url", "response_urls", "team_id", "user_id",
    "channel_id", "command", "text", "event_id", "api_app_id", "trigger_id", "state", "id",
]  # fmt: skip
_EVENT_KEYS = ["type", "channel", "user", "text", "ts", "thread_ts", "channel_type", "subtype",
               "bot_id", "tab", "team", "event_ts", "message"]  # fmt: skip
_LEAF = st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.sampled_from(
    ["app_mention", "message", "block_actions", "event_callback", "/rolefit", "im", "home",
     "view_submission", "rolefit.open.0", "entry:what-is-a-tpm", "U1", "C1", "T1"]
)  # fmt: skip
_VALUE = st.recursive(
    _LEAF,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS + _EVENT_KEYS), inner, max_size=4)
    ),
    max_leaves=8,
)
_SHAPES = st.dictionaries(st.sampled_from(_KEYS), _VALUE, max_size=8) | st.builds(
    lambda event, rest: {**rest, "type": "event_callback", "event": event},
    st.dictionaries(st.sampled_from(_EVENT_KEYS), _VALUE, max_size=6),
    st.dictionaries(st.sampled_from(_KEYS), _VALUE, max_size=4),
)


@pytest.fixture(scope="module")
def shapes_app(
    loop: asyncio.AbstractEventLoop, loop_stub: LocalSlack, knowledge: Knowledge
) -> Iterator[tuple[AsyncApp, LocalSlack]]:
    settings_ = Settings(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=loop_stub.api_url
    )
    yield build_app(settings=settings_, services=build_services(RoleFit(knowledge))), loop_stub
    loop.run_until_complete(asyncio.sleep(0.2))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=_SHAPES)
def test_signed_bodies_of_any_shape_never_fail_the_server(
    loop: asyncio.AbstractEventLoop, shapes_app: tuple[AsyncApp, LocalSlack], data: dict[str, Any]
) -> None:
    """What the gate lets through, Bolt and the listeners answer without a 5xx or an exception."""
    bolt, _ = shapes_app
    raw = json.dumps(data).encode()
    ts = str(int(time.time()))
    headers = {
        "content-type": JSON,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": sign(raw, ts, SIGNING_SECRET),
    }
    try:
        parsed = parse_body(raw, JSON)
        request = bolt_request(raw, parsed, headers=headers, query="", secret=SIGNING_SECRET)
    except MalformedBody:
        return
    response = loop.run_until_complete(bolt.async_dispatch(request))
    assert response.status < 500


# ---------------------------------------------------------------- what no listener handles


async def test_unknown_events_and_actions_are_acked_quietly(
    app: RunningApp, stub: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert await app.event({"type": "reaction_added", "user": workspace.USER}) == 200
        assert await app.click({"action_id": "someone.elses.button", "value": "x"}) == 200
        view = {"type": "view_submission", "user": {"id": workspace.USER}, "view": {"id": "V9"}}
        status, body = await app.post(payload_body(view), content_type=FORM)
        assert (status, body) == (200, "")
    ignored = [r for r in caplog.records if "no listener" in r.getMessage()]
    assert len(ignored) == 3
    assert all(r.levelno == logging.DEBUG for r in ignored)
    assert vars(ignored[0])["ids"]["user"] == workspace.USER
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    await stub.settle(0.05)
    assert stub.posts() == []
