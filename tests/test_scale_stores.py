"""The shared stores against real servers: Redis claims and the PostgreSQL feedback store."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
from typing import Any

import pytest

from bot.feedback.cli import cmd_report
from bot.feedback.postgres import PostgresStore, migrate
from bot.feedback.records import Question, Vote
from bot.feedback.store import StoreError
from bot.local_slack.launcher import free_port
from bot.slack.dedup import EVENT_TTL, StoreFull, digest
from bot.slack.redis_seen import PREFIX, RedisSeen, connect, shared_seen
from bot.slack.server import FRESHNESS
from bot.slack.services import CLICK_TTL
from tests.support.servers import RedisServer, ServerMissing, needed


async def test_a_key_is_claimed_once_across_clients(redis_url: str) -> None:
    first = RedisSeen(connect(redis_url), name="events", window=60, fallback_max_keys=10)
    second = RedisSeen(connect(redis_url), name="events", window=60, fallback_max_keys=10)
    stores = [first, second] * 25
    wins = await asyncio.gather(*(store.first_seen("event:Ev1", ttl=60) for store in stores))
    assert wins.count(True) == 1
    assert await first.first_seen("event:Ev2", ttl=60) is True
    assert await second.first_seen("event:Ev2", ttl=60) is False


async def test_keys_expire_with_the_window_they_cover(redis_url: str) -> None:
    events, signatures, clicks = shared_seen(redis_url)
    assert await events.first_seen("event:Ev9", ttl=EVENT_TTL)
    assert await signatures.first_seen("sig:v0=ab", ttl=2 * FRESHNESS)
    assert await clicks.first_seen("click:1", ttl=CLICK_TTL)
    client = events.client
    assert 14 * 60_000 < await client.pttl(PREFIX + digest("event:Ev9")) <= 15 * 60_000
    assert 9 * 60_000 < await client.pttl(PREFIX + digest("sig:v0=ab")) <= 10 * 60_000
    assert 0 < await client.pttl(PREFIX + digest("click:1")) <= 30_000


async def test_redis_down_falls_back_to_this_process_and_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = needed(RedisServer)
    try:
        server.start()
        seen = RedisSeen(connect(server.url()), name="events", window=60, fallback_max_keys=10)
        assert await seen.first_seen("event:A", ttl=60)
        server.stop()
        with caplog.at_level(logging.INFO, logger="rolefit.redis"):
            assert await seen.first_seen("event:B", ttl=60) is True
            assert await seen.first_seen("event:B", ttl=60) is False
            assert await seen.first_seen("event:C", ttl=60) is True
        down = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(down) == 1 and "Redis unavailable" in down[0].getMessage()
        server.start()
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="rolefit.redis"):
            assert await seen.first_seen("event:D", ttl=60) is True
            assert await seen.first_seen("event:D", ttl=60) is False
            # Claimed here during the outage and still within its window: not a first time.
            assert await seen.first_seen("event:B", ttl=60) is False
        assert any("Redis is back" in r.getMessage() for r in caplog.records)
    finally:
        server.remove()


async def test_a_full_redis_refuses_instead_of_forgetting() -> None:
    """With noeviction, an out-of-memory Redis raises StoreFull (the gate answers 503)."""
    server = needed(RedisServer)
    try:
        server.start()
        client = connect(server.url())
        seen = RedisSeen(client, name="events", window=60, fallback_max_keys=10)
        assert await seen.first_seen("event:kept", ttl=60)
        await client.config_set("maxmemory-policy", "noeviction")
        await client.config_set("maxmemory", "1")
        with pytest.raises(StoreFull):
            await seen.first_seen("event:new", ttl=60)
        await client.config_set("maxmemory", "0")
        assert await seen.first_seen("event:kept", ttl=60) is False, "nothing was forgotten"
        await client.aclose()
    finally:
        server.remove()


async def test_an_unreachable_redis_never_raises() -> None:
    seen = RedisSeen(
        connect(f"redis://127.0.0.1:{free_port()}/0"),
        name="clicks",
        window=30,
        fallback_max_keys=10,
    )
    assert await seen.first_seen("k", ttl=60) is True
    assert await seen.first_seen("k", ttl=60) is False


def _question(team: str, *, at: float, text: str | None = "how do I hire") -> Question:
    return Question(at=at, team=team, channel_type="im", command="ask", verdict="none", text=text)


def test_postgres_store_keeps_rows_per_workspace(database_url: str) -> None:
    store = PostgresStore.open(database_url)
    try:
        refused = store.add_many(
            questions=[_question("T1", at=1.0), _question("T2", at=2.0)],
            votes=[Vote(answer_id="a", team="T1", user="U1", helpful=True, at=3.0)],
        )
        assert refused == []
        store.add_vote(Vote(answer_id="a", team="T1", user="U1", helpful=False, at=4.0))
        store.add_vote(Vote(answer_id="a", team="T2", user="U1", helpful=True, at=5.0))
        assert [(q.team, q.text) for q in store.questions()] == [
            ("T1", "how do I hire"),
            ("T2", "how do I hire"),
        ]
        assert [(v.team, v.helpful) for v in store.votes()] == [("T1", False), ("T2", True)]
        assert [q.team for q in store.questions(since=1.5)] == ["T2"]
    finally:
        store.close()


def test_postgres_store_skips_a_row_it_refuses_and_keeps_the_rest(database_url: str) -> None:
    store = PostgresStore.open(database_url)
    try:
        bad = _question("T1", at=2.0, text="nul \x00 byte")
        refused = store.add_many(questions=[_question("T1", at=1.0), bad, _question("T1", at=3.0)])
        assert [record for record, _ in refused] == [bad]
        assert [q.at for q in store.questions()] == [1.0, 3.0]
    finally:
        store.close()


def test_replicas_migrating_at_once_agree_on_one_schema(database_url: str) -> None:
    opened: list[PostgresStore] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(PostgresStore.open(database_url))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    try:
        opened[0].add_question(_question("T1", at=1.0))
        assert len(opened[-1].questions()) == 1
    finally:
        for store in opened:
            store.close()


def test_a_schema_from_the_future_is_refused(database_url: str) -> None:
    store = PostgresStore.open(database_url)
    store.close()
    loop = asyncio.new_event_loop()
    from bot.database import async_url, create_engine

    engine = create_engine(async_url(database_url=database_url, sqlite_path=None))
    try:
        with pytest.raises(StoreError, match="newer than this RoleFit knows"):
            loop.run_until_complete(migrate(engine, migrations=()))
    finally:
        loop.run_until_complete(engine.dispose())
        loop.close()


def _report(monkeypatch: pytest.MonkeyPatch, database_url: str, *extra: str) -> dict[str, Any]:
    import argparse

    from bot.feedback.cli import add_report_parser

    parser = argparse.ArgumentParser()
    add_report_parser(parser.add_subparsers(dest="command"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    out, err = io.StringIO(), io.StringIO()
    code = cmd_report(parser.parse_args(["report", "--format", "json", *extra]), out, err)
    assert code == 0, err.getvalue()
    return dict(json.loads(out.getvalue()))


def test_report_reads_postgres_and_one_workspace(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    store = PostgresStore.open(database_url)
    now = __import__("time").time()
    store.add_many(
        questions=[_question("T1", at=now), _question("T1", at=now), _question("T2", at=now)]
    )
    store.close()
    everyone = _report(monkeypatch, database_url)
    one = _report(monkeypatch, database_url, "--team", "T2")
    assert everyone["totals"]["requests"] == 3
    assert one["totals"]["requests"] == 1


def test_report_refuses_a_malformed_team(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from bot.feedback.cli import add_report_parser

    parser = argparse.ArgumentParser()
    add_report_parser(parser.add_subparsers(dest="command"))
    err = io.StringIO()
    code = cmd_report(parser.parse_args(["report", "--team", "x; drop"]), io.StringIO(), err)
    assert code == 2 and "--team expects a workspace id" in err.getvalue()


def _no_server() -> RedisServer:
    raise ServerMissing("redis-server not found (apt-get install -y postgresql redis-server)")


def test_a_missing_server_skips_here_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="redis-server not found"):
        needed(_no_server)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI needs redis-server not found"):
        needed(_no_server)
