"""Many requests at once: every command answered, every mention answered exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from bot.local_slack import payloads
from bot.local_slack.signing import json_body
from bot.local_slack.standin import LocalSlack
from tests.support.blockkit import check_message
from tests.support.harness import RunningApp

COMMANDS = 1_000
MENTIONS = 300
RETRIED = 60
CONCURRENCY = 50
QUESTIONS = [
    "what is a tpm?",
    "what's the difference between a pm and a tpm",
    "help",
    "topics",
    "compare",
    "compare roadmaps",
    "profile tpm",
    "jd pm",
    "who earns more",
    "do startups need a tpm",
    "how do we measure a pm",
    "asdf qwerty zxcv",
]


async def bounded(jobs: list[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(run(job) for job in jobs))


def mention_envelopes() -> list[dict[str, Any]]:
    return [
        payloads.envelope(
            payloads.mention(QUESTIONS[n % len(QUESTIONS)], ts=f"1700001000.{n:06d}"),
            event_id=f"EvLOAD{n:05d}",
        )
        for n in range(MENTIONS)
    ]


async def send_everything(app: RunningApp) -> tuple[list[dict[str, Any]], list[int]]:
    """1,000 commands and 300 mentions (60 of them delivered twice, as Slack retries) at once."""
    envelopes = mention_envelopes()

    def command(n: int) -> Callable[[], Awaitable[dict[str, Any]]]:
        return lambda: app.command(QUESTIONS[n % len(QUESTIONS)])

    def event(envelope: dict[str, Any], retry: int) -> Callable[[], Awaitable[int]]:
        async def send() -> int:
            headers = {"X-Slack-Retry-Num": str(retry)} if retry else {}
            status, _ = await app.post(
                json_body(envelope),
                content_type="application/json",
                headers=headers,
                timestamp=int(time.time()) + retry,
            )
            return status

        return send

    jobs: list[Callable[[], Awaitable[Any]]] = [command(n) for n in range(COMMANDS)]
    jobs += [event(envelope, 0) for envelope in envelopes]
    jobs += [event(envelope, 1) for envelope in envelopes[:RETRIED]]
    results = await bounded(jobs, CONCURRENCY)
    return results[:COMMANDS], results[COMMANDS:]


def check_posts(stub: LocalSlack) -> None:
    delivered = Counter(c.params["thread_ts"] for c in stub.delivered("chat.postMessage"))
    expected = {f"1700001000.{n:06d}" for n in range(MENTIONS)}
    assert set(delivered) == expected, "a mention went unanswered"
    assert max(delivered.values()) == 1, "a mention was answered twice"


async def test_a_thousand_commands_and_300_mentions_at_once(
    app: RunningApp, stub: LocalSlack
) -> None:
    answers, statuses = await send_everything(app)
    assert statuses == [200] * (MENTIONS + RETRIED)
    assert len(answers) == COMMANDS
    for answer in answers:
        assert answer["response_type"] == "ephemeral"
        check_message(answer)
    await stub.wait_for("chat.postMessage", MENTIONS, timeout=60)
    await stub.settle(0.3)
    check_posts(stub)
    assert len(stub.of("chat.postMessage")) == MENTIONS


async def test_every_post_arrives_once_through_rate_limits(
    app: RunningApp, stub: LocalSlack
) -> None:
    stub.rate_limit("chat.postMessage", times=40, retry_after=1)
    _, statuses = await send_everything(app)
    assert statuses == [200] * (MENTIONS + RETRIED)
    await stub.wait_for("chat.postMessage", MENTIONS + 40, timeout=60)
    await stub.settle(0.3)
    assert Counter(c.status for c in stub.of("chat.postMessage")) == {200: MENTIONS, 429: 40}
    check_posts(stub)
