"""Two `rolefit serve` replicas sharing one PostgreSQL and one Redis, driven the way Slack does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.cards.common import HELPFUL
from bot.local_slack import payloads
from bot.local_slack.launcher import ROOT, LocalServer
from bot.local_slack.signing import form_body, json_body, payload_body, signed_headers
from bot.local_slack.standin import LocalSlack
from bot.local_slack.workspace import TEAM
from tests.support.harness import start_serve
from tests.support.servers import PostgresServer, RedisServer, needed

CLIENT = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "0123456789abcdef0123"}
NEW_TEAM = "T0NEWTEAM"
NEW_TOKEN = "xoxb-new-workspace-0001"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


async def post(
    replica: LocalServer,
    body: str,
    *,
    content_type: str,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    sent = headers or signed_headers(body, content_type=content_type, timestamp=timestamp)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{replica.url}/slack/events", data=body.encode(), headers=sent) as response,
    ):
        return response.status, await response.text()


def in_team(data: Any, team: str) -> Any:
    """The same payload as sent from another workspace."""
    return json.loads(json.dumps(data).replace(TEAM, team))


async def mention(
    replica: LocalServer,
    text: str,
    *,
    team: str = TEAM,
    event_id: str | None = None,
    ts: str = "1700000100.000100",
    timestamp: int | None = None,
) -> int:
    """A mention; a retry of one must carry another `timestamp`, as Slack re-signs resends."""
    event = payloads.mention(text, ts=ts)
    data = in_team(payloads.envelope(event, event_id=event_id), team)
    status, _ = await post(replica, json_body(data), content_type=JSON, timestamp=timestamp)
    return status


@contextlib.asynccontextmanager
async def replicas(stub: LocalSlack, **env: str) -> AsyncIterator[tuple[LocalServer, ...]]:
    env = {"LOG_LEVEL": "WARNING", **env}
    started = await asyncio.gather(start_serve(stub, **env), start_serve(stub, **env))
    try:
        yield started
    finally:
        for replica in started:
            await replica.kill()


@pytest.fixture
def shared(database_url: str, redis_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url}


async def test_a_retried_event_is_answered_once_across_replicas(
    stub: LocalSlack, shared: dict[str, str]
) -> None:
    async with replicas(stub, **shared) as (a, b):
        body = json_body(payloads.envelope(payloads.mention("what is a tpm"), event_id="EvSAME"))
        now = int(time.time())
        first, retry = await asyncio.gather(
            post(a, body, content_type=JSON, timestamp=now),
            post(b, body, content_type=JSON, timestamp=now - 1),
        )
        assert (first[0], retry[0]) == (200, 200)
        await stub.wait_for("chat.postMessage", 1)
        await stub.settle(0.5)
        assert len(stub.of("chat.postMessage")) == 1


async def test_a_request_replayed_to_the_other_replica_is_refused(
    stub: LocalSlack, shared: dict[str, str]
) -> None:
    async with replicas(stub, **shared) as (a, b):
        body = form_body(payloads.command("what is a tpm"))
        headers = signed_headers(body, content_type=FORM)
        status_a, _ = await post(a, body, content_type=FORM, headers=headers)
        status_b, answer_b = await post(b, body, content_type=FORM, headers=headers)
        assert status_a == 200
        assert (status_b, json.loads(answer_b)) == (401, {"error": "invalid request"})


async def test_mentions_spread_over_replicas_are_each_answered_once(
    stub: LocalSlack, shared: dict[str, str]
) -> None:
    count = 200
    async with replicas(stub, **shared) as (a, b):
        now = int(time.time())
        sends = [
            mention(
                a if n % 2 else b,
                "what is a tpm",
                event_id=f"EvMANY{n:04d}",
                ts=f"1.{n}",
                timestamp=now,
            )
            for n in range(count)
        ]
        # Every tenth event also arrives at the other replica, as Slack's retries can.
        sends += [
            mention(
                b if n % 2 else a,
                "what is a tpm",
                event_id=f"EvMANY{n:04d}",
                ts=f"1.{n}",
                timestamp=now - 60,
            )
            for n in range(0, count, 10)
        ]
        statuses = await asyncio.gather(*sends)
        assert set(statuses) == {200}
        await stub.wait_for("chat.postMessage", count, timeout=60)
        await stub.settle(0.5)
        threads = [str(c.params.get("thread_ts")) for c in stub.of("chat.postMessage")]
        assert sorted(threads) == sorted(f"1.{n}" for n in range(count))


async def test_one_report_counts_what_both_replicas_recorded(
    stub: LocalSlack, shared: dict[str, str]
) -> None:
    async with replicas(stub, **shared) as (a, b):
        for n, replica in enumerate((a, b, a, b, b)):
            status, _ = await post(
                replica, form_body(payloads.command(f"zzqx unknown thing {n}")), content_type=FORM
            )
            assert status == 200
        for n, replica in enumerate((a, b, a)):
            click = payloads.block_action(
                {"action_id": HELPFUL, "value": "what-is-a-tpm"}, user=f"U0VOTER{n}"
            )
            status, _ = await post(replica, payload_body(click), content_type=FORM)
            assert status == 200
        for replica in (a, b):
            code, _ = await replica.stop()
            assert code == 0
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": shared["DATABASE_URL"]}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--format", "json", "--team", TEAM],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    totals = json.loads(done.stdout)["totals"]
    assert (totals["requests"], totals["unanswered"], totals["votes"]) == (5, 5, 3)


# --- distribution mode ------------------------------------------------------------------------


async def install(
    replica: LocalServer,
    stub: LocalSlack,
    *,
    expires_in: int = 0,
    back_to: LocalServer | None = None,
    state_cookie: bool = True,
) -> str:
    """Click "Add to Slack" and come back with a code, as a workspace admin's browser would
    (through `back_to` when the load balancer sends the redirect to another replica)."""
    stub.grant(
        "code-1", team=NEW_TEAM, bot_token=NEW_TOKEN, installer="U0INSTALL", expires_in=expires_in
    )
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{replica.url}/slack/install") as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"state=([\w-]+)", html)
        assert state is not None and "Add to Slack" in html
        back = back_to or replica
        async with session.get(
            f"{back.url}/slack/oauth_redirect?code=code-1&state={state.group(1)}",
            headers={"Cookie": cookie} if state_cookie else {},
        ) as done:
            return f"{done.status} {await done.text()}"


async def test_a_workspace_installed_through_one_replica_is_served_by_the_other(
    stub: LocalSlack, shared: dict[str, str]
) -> None:
    async with replicas(stub, **shared, **CLIENT, SLACK_BOT_TOKEN="") as (a, b):
        forged = await install(a, stub, back_to=b, state_cookie=False)
        assert forged.startswith("400") and stub.of("oauth.v2.access") == []
        finished = await install(a, stub, back_to=b)
        assert finished.startswith("200") and "Thank you" in finished
        access = stub.of("oauth.v2.access")
        assert [c.params.get("code") for c in access] == ["code-1"]

        command = in_team(payloads.command("what is a tpm"), NEW_TEAM)
        status, answer = await post(b, form_body(command), content_type=FORM)
        assert status == 200 and "TPM" in answer
        assert await mention(b, "what is a tpm", team=NEW_TEAM) == 200
        await stub.wait_for("chat.postMessage", 1)
        assert stub.tokens("chat.postMessage") == [NEW_TOKEN]

        # The installer is that workspace's admin: their App Home shows its knowledge gaps.
        for user in ("U0INSTALL", "U0SOMEONE"):
            home = in_team(payloads.envelope(payloads.home_opened(user=user)), NEW_TEAM)
            status, _ = await post(b, json_body(home), content_type=JSON)
            assert status == 200
        views = {
            c.params["user_id"]: json.dumps(c.params["view"])
            for c in await stub.wait_for("views.publish", 2)
        }
        assert "Knowledge gaps" in views["U0INSTALL"] and "Knowledge gaps" not in views["U0SOMEONE"]
        assert stub.tokens("views.publish") == [NEW_TOKEN, NEW_TOKEN]

        # A workspace that never installed RoleFit gets no answer and no Web API call.
        assert await mention(b, "what is a tpm", team="T0STRANGER") == 200
        await stub.settle(0.5)
        assert stub.tokens("chat.postMessage") == [NEW_TOKEN]

        uninstalled = in_team(payloads.envelope({"type": "app_uninstalled"}), NEW_TEAM)
        status, _ = await post(a, json_body(uninstalled), content_type=JSON)
        assert status == 200
        assert await mention(b, "what is a tpm again", team=NEW_TEAM) == 200
        await stub.settle(0.5)
        assert stub.tokens("chat.postMessage") == [NEW_TOKEN]


async def test_distribution_mode_on_the_default_sqlite_file(
    stub: LocalSlack, tmp_path: Path
) -> None:
    """No DATABASE_URL: installations and feedback share the ROLEFIT_DB file."""
    db = tmp_path / "rolefit.db"
    replica = await start_serve(stub, **CLIENT, SLACK_BOT_TOKEN="", ROLEFIT_DB=str(db))
    try:
        assert (await install(replica, stub)).startswith("200")
        assert await mention(replica, "zzqx not a known thing", team=NEW_TEAM) == 200
        await stub.wait_for("chat.postMessage", 1)
        assert stub.tokens("chat.postMessage") == [NEW_TOKEN]
        code, log = await replica.stop()
    finally:
        await replica.kill()
    assert code == 0, log
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--format", "json", "--db", str(db)],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["unanswered"] == 1


async def test_a_rotating_token_is_refreshed_before_it_is_used(
    stub: LocalSlack, shared: dict[str, str]
) -> None:
    async with replicas(stub, **shared, **CLIENT, SLACK_BOT_TOKEN="") as (a, b):
        assert (await install(a, stub, expires_in=60)).startswith("200")
        assert await mention(b, "what is a tpm", team=NEW_TEAM) == 200
        await stub.wait_for("chat.postMessage", 1)
        refreshes = [c for c in stub.of("oauth.v2.access") if c.params.get("refresh_token")]
        assert [c.params.get("grant_type") for c in refreshes] == ["refresh_token"]
        assert stub.tokens("chat.postMessage") == [f"{NEW_TOKEN}-refreshed"]
        # The refreshed token was stored: the other replica uses it without refreshing again.
        assert await mention(a, "what is a pm", team=NEW_TEAM, ts="2.0") == 200
        await stub.wait_for("chat.postMessage", 2)
        assert stub.tokens("chat.postMessage") == [f"{NEW_TOKEN}-refreshed"] * 2
        assert len([c for c in stub.of("oauth.v2.access") if c.params.get("refresh_token")]) == 1


# --- outages ----------------------------------------------------------------------------------


@pytest.fixture
def own_servers() -> Iterator[tuple[PostgresServer, RedisServer]]:
    """Servers of this test's own, so stopping them disturbs no other test."""
    postgres, redis = needed(PostgresServer), needed(RedisServer)
    try:
        postgres.start()
        redis.start()
        yield postgres, redis
    finally:
        postgres.remove()
        redis.remove()


async def test_outages_get_answers_and_recover(
    stub: LocalSlack, own_servers: tuple[PostgresServer, RedisServer]
) -> None:
    postgres, redis = own_servers
    env = {"DATABASE_URL": postgres.url(), "REDIS_URL": redis.url()}
    replica = await start_serve(stub, **env)
    try:
        assert await mention(replica, "what is a tpm") == 200
        await stub.wait_for("chat.postMessage", 1)

        redis.stop()
        postgres.stop()
        assert await mention(replica, "what is a pm", event_id="EvDOWN") == 200
        await stub.wait_for("chat.postMessage", 2)
        status, answer = await post(
            replica, form_body(payloads.command("zzqx while down")), content_type=FORM
        )
        assert status == 200 and "blocks" in json.loads(answer)
        await stub.settle(1.5)  # the feedback writer's batch is tried while the server is down

        redis.start()
        postgres.start()
        assert await mention(replica, "what is a pm", event_id="EvDOWN") == 200
        for n in range(3):
            status, _ = await post(
                replica, form_body(payloads.command(f"zzqx after {n}")), content_type=FORM
            )
            assert status == 200
        code, log = await replica.stop()
    finally:
        await replica.kill()
    assert code == 0, log
    assert "Traceback" not in log, log
    assert "Redis unavailable" in log and "Redis is back" in log
    assert "feedback store postgresql://127.0.0.1" in log and "works again" in log
    assert len(stub.of("chat.postMessage")) == 2
    report = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--format", "json"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["totals"]["unanswered"] >= 3


async def test_a_database_outage_in_distribution_mode_is_retried_not_dropped(
    stub: LocalSlack, own_servers: tuple[PostgresServer, RedisServer]
) -> None:
    postgres, redis = own_servers
    env = {"DATABASE_URL": postgres.url(), "REDIS_URL": redis.url(), **CLIENT}
    replica = await start_serve(stub, **env, SLACK_BOT_TOKEN="")
    try:
        assert (await install(replica, stub)).startswith("200")
        postgres.stop()
        body = json_body(in_team(payloads.envelope(payloads.mention("what is a tpm")), NEW_TEAM))
        now = int(time.time())
        status, _ = await post(replica, body, content_type=JSON, timestamp=now)
        assert status == 503
        command = in_team(payloads.command("what is a tpm"), NEW_TEAM)
        status, answer = await post(replica, form_body(command), content_type=FORM)
        assert status == 200 and json.loads(answer)["response_type"] == "ephemeral"
        await stub.settle(0.3)
        assert stub.of("chat.postMessage") == []

        postgres.start()
        status, _ = await post(replica, body, content_type=JSON, timestamp=now - 30)
        assert status == 200
        await stub.wait_for("chat.postMessage", 1)
        assert stub.tokens("chat.postMessage") == [NEW_TOKEN]
        code, log = await replica.stop()
    finally:
        await replica.kill()
    assert code == 0
    assert "installation store unavailable" in log and "Traceback" not in log
