"""`/healthz` with the shared stores: real Redis and PostgreSQL, stopped and started again."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.feedback.postgres import PostgresStore
from bot.feedback.writer import BackgroundStore
from bot.local_slack.launcher import free_port
from bot.slack.health import CACHE_SECONDS, PING_TIMEOUT, StoreHealth
from bot.slack.redis_seen import RedisSeen, connect
from bot.slack.server import INFLIGHT
from tests.conftest import Start
from tests.support.harness import RunningApp
from tests.support.servers import PostgresServer, RedisServer, needed

WAIT = 15.0
"""Seconds a test waits for /healthz to notice a server that stopped or started."""


async def probe(app: RunningApp) -> tuple[int, dict[str, Any], str]:
    """One `GET /healthz`: status, JSON body and the raw text (to look for secrets in)."""
    assert app.session is not None
    async with app.session.get(f"http://127.0.0.1:{app.port}/healthz") as response:
        text = await response.text()
        return response.status, json.loads(text), text


async def until(app: RunningApp, stores: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Probe until /healthz reports `stores` (the cache window passes on the way); it answers 200
    all along."""
    deadline = time.monotonic() + WAIT
    while True:
        got, body, text = await probe(app)
        assert got == 200, (got, body)
        if body.get("stores") == stores:
            return body, text
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.1)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own, since the test stops it."""
    server = needed(RedisServer)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    server = needed(PostgresServer)
    try:
        server.start()
        yield server
    finally:
        server.remove()


def no_secrets(text: str, *servers: RedisServer | PostgresServer) -> None:
    for server in servers:
        assert server.url() not in text
        assert str(server.port) not in text
    assert "://" not in text and "127.0.0.1" not in text and "Traceback" not in text


async def test_healthz_names_a_store_that_is_down_as_degraded_until_it_is_back(
    start: Start,
    own_redis: RedisServer,
    own_postgres: PostgresServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = await start(redis_url=own_redis.url(), database_url=own_postgres.url())
    assert app.services.feedback is not None
    await app.services.feedback.read(lambda _: None)  # opened and migrated, as `serve` does
    with caplog.at_level(logging.INFO, logger="rolefit.health"):
        status, body, _ = await probe(app)
        assert status == 200
        assert body == {
            "ok": True,
            "stores": {"redis": "ok", "postgres": "ok"},
            "replies": {"waiting": 0, "dropped": 0},
        }

        own_redis.stop()
        body, text = await until(app, {"redis": "down", "postgres": "ok"})
        assert body["ok"] is True and body["degraded"] == ["redis"]
        no_secrets(text, own_redis, own_postgres)
        assert (await app.command("what is a tpm"))["response_type"] == "ephemeral"
        own_redis.start()
        body, _ = await until(app, {"redis": "ok", "postgres": "ok"})
        assert "degraded" not in body

        own_postgres.stop()
        body, text = await until(app, {"redis": "ok", "postgres": "down"})
        assert body["degraded"] == ["postgres"]
        no_secrets(text, own_redis, own_postgres)
        assert (await app.command("what is a tpm"))["response_type"] == "ephemeral"
        own_postgres.start()
        body, _ = await until(app, {"redis": "ok", "postgres": "ok"})
        assert body["ok"] is True and "degraded" not in body

    lines = [r.getMessage() for r in caplog.records if r.name == "rolefit.health"]
    assert [line.split(" ", 2)[:2] for line in lines] == [
        ["redis", "is"],
        ["redis", "is"],
        ["postgres", "is"],
        ["postgres", "is"],
    ]
    assert ["down" in line for line in lines] == [True, False, True, False]
    for line in lines:
        no_secrets(line, own_redis, own_postgres)


async def test_a_burst_of_probes_costs_one_ping(start: Start, redis_url: str) -> None:
    app = await start(redis_url=redis_url)
    assert (await probe(app))[0] == 200
    counter = connect(redis_url)
    try:
        await asyncio.sleep(CACHE_SECONDS + 0.1)  # the warm-up round is stale now
        await counter.config_resetstat()
        burst = await asyncio.gather(*(probe(app) for _ in range(50)))
        burst += [await probe(app) for _ in range(10)]
        assert {status for status, _, _ in burst} == {200}
        stats = await counter.info("commandstats")
        assert stats["cmdstat_ping"]["calls"] == 1
    finally:
        await counter.aclose()


async def test_draining_comes_before_the_stores(start: Start, redis_url: str) -> None:
    app = await start(redis_url=redis_url)
    assert app._runner is not None
    await app._runner.app[INFLIGHT].drain(0)
    status, body, _ = await probe(app)
    assert status == 503
    assert body == {"ok": False, "draining": True, "replies": {"waiting": 0, "dropped": 0}}


async def test_the_default_setup_checks_no_store(app: RunningApp) -> None:
    status, body, _ = await probe(app)
    assert status == 200
    assert body == {"ok": True, "replies": {"waiting": 0, "dropped": 0}}


async def test_a_redis_that_never_answers_is_down_within_the_timeout() -> None:
    """A listener that accepts and then says nothing: PING must not wait for Redis' own 1 s."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        client = connect(f"redis://127.0.0.1:{port}/0")
        seen = RedisSeen(client, name="events", window=60, fallback_max_keys=10)
        health = StoreHealth({"redis": seen})
        began = time.monotonic()
        assert await health() == {"redis": False}
        assert time.monotonic() - began < PING_TIMEOUT + 0.4
        await client.aclose()


async def test_concurrent_probes_share_one_round() -> None:
    """Counted through the same interface the server uses: one ping for ten callers."""

    class Counting:
        def __init__(self) -> None:
            self.calls = 0

        async def ping(self) -> bool:
            self.calls += 1
            await asyncio.sleep(0.05)
            return True

    store = Counting()
    health = StoreHealth({"redis": store})
    answers = await asyncio.gather(*(health() for _ in range(10)))
    assert answers == [{"redis": True}] * 10
    assert await health() == {"redis": True}
    assert store.calls == 1


def test_postgres_ping_against_a_server_and_against_nothing(database_url: str) -> None:
    store = PostgresStore.open(database_url)
    try:
        assert store.ping() is True
    finally:
        store.close()
    nowhere = f"postgresql://rolefit:secret@127.0.0.1:{free_port()}/rolefit"
    background = BackgroundStore(lambda: PostgresStore.open(nowhere), name="nowhere")
    try:
        health = StoreHealth({"postgres": background})
        assert asyncio.run(health()) == {"postgres": False}
    finally:
        background.close()


async def test_postgres_down_and_back_through_the_writer(
    own_postgres: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    background = BackgroundStore(lambda: PostgresStore.open(own_postgres.url()), name="pg")
    health = StoreHealth({"postgres": background}, cache_seconds=0)
    try:
        await background.read(lambda _: None)  # opened and migrated, as `serve` does
        with caplog.at_level(logging.INFO):
            assert await health() == {"postgres": True}
            own_postgres.stop()
            assert await health() == {"postgres": False}
            assert await health() == {"postgres": False}
            own_postgres.start()
            assert await health() == {"postgres": True}
        health_lines = [r.getMessage() for r in caplog.records if r.name == "rolefit.health"]
        assert len(health_lines) == 2
        assert not [r for r in caplog.records if r.name == "rolefit.feedback"]
    finally:
        await asyncio.to_thread(background.close)
