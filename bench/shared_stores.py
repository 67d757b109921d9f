"""What the shared stores cost: Redis + PostgreSQL against the in-memory + SQLite defaults.

In one run, against the same Web API stand-in: `rolefit serve` with the defaults, one replica on
REDIS_URL and DATABASE_URL, and two such replicas sharing the servers with the load split between
them. Measured: `/rolefit` latency one at a time (the per-request cost of the shared stores is the
difference of the medians), `/rolefit` and mention requests per second at concurrency 50, and a
Redis claim against an in-memory one, in this process. Writes `docs/benchmarks-scale.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import loadgen
from bench.loadgen import mention, slash_command
from bench.questions import on_topic, questions
from bench.servers import ROLEFIT, ROOT, BenchError, Running, launch, stop
from bench.stats import Timings
from bot.local_slack.standin import LocalSlack
from bot.slack.dedup import MemorySeen
from bot.slack.redis_seen import RedisSeen, connect
from tests.support.servers import PostgresServer, RedisServer, ServerMissing

DEFAULT_OUT = ROOT / "docs" / "benchmarks-scale.md"
TARGET_ADDED_MS = 0.3


@dataclass(frozen=True)
class ScaleSettings:
    one_at_a_time: float
    loaded: float
    concurrency: int
    claims: int
    rounds: int
    """The setups take turns, round after round, so a busy moment of the machine spreads over
    all of them; each figure is the median of its rounds."""


FULL = ScaleSettings(one_at_a_time=3.0, loaded=3.0, concurrency=50, claims=5000, rounds=3)
QUICK = ScaleSettings(one_at_a_time=0.5, loaded=0.5, concurrency=10, claims=200, rounds=1)


@dataclass
class Setup:
    label: str
    singles: list[Timings] = field(default_factory=list)
    commands: list[float] = field(default_factory=list)
    mentions: list[float] = field(default_factory=list)

    @property
    def single_ms(self) -> float:
        return statistics.median(t.median_ms for t in self.singles)

    @property
    def single_p99_ms(self) -> float:
        return statistics.median(t.p99_ms for t in self.singles)

    @property
    def commands_per_second(self) -> float:
        return statistics.median(self.commands)

    @property
    def mentions_per_second(self) -> float:
        return statistics.median(self.mentions)


@dataclass
class ScaleResults:
    settings: ScaleSettings
    setups: list[Setup] = field(default_factory=list)
    memory_claim_us: float = 0.0
    redis_claim_us: float = 0.0


_QUESTIONS = itertools.cycle(questions())
_MENTIONS = itertools.cycle(on_topic())


def _command() -> loadgen.Request:
    return slash_command(next(_QUESTIONS))


def _mention() -> loadgen.Request:
    body, headers, _ = mention(next(_MENTIONS))
    return body, headers


def _answered(status: int, body: bytes) -> bool:
    return status == 200 and b'"blocks"' in body


def _acked(status: int, _: bytes) -> bool:
    return status == 200


async def _spread(
    replicas: Sequence[Running],
    *,
    kind: str,
    concurrency: int,
    seconds: float,
) -> loadgen.LoadResult:
    """The load split evenly over the replicas, as a load balancer would; merged result."""
    maker = _command if kind == "command" else _mention
    check = _answered if kind == "command" else _acked
    share = max(1, concurrency // len(replicas))
    parts = await asyncio.gather(
        *(
            loadgen.run_load(r.url, maker, concurrency=share, seconds=seconds, check=check)
            for r in replicas
        )
    )
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    if merged.errors or not merged.latencies:
        raise BenchError(f"{kind} load: {len(merged.errors)} errors, first: {merged.errors[:1]}")
    return merged


async def _measure(setup: Setup, replicas: Sequence[Running], settings: ScaleSettings) -> None:
    await _spread(replicas[:1], kind="command", concurrency=1, seconds=settings.loaded / 5)
    single = await _spread(
        replicas[:1], kind="command", concurrency=1, seconds=settings.one_at_a_time
    )
    setup.singles.append(single.timings)
    commands = await _spread(
        replicas, kind="command", concurrency=settings.concurrency, seconds=settings.loaded
    )
    setup.commands.append(commands.per_second)
    mentions = await _spread(
        replicas, kind="mention", concurrency=settings.concurrency, seconds=settings.loaded
    )
    setup.mentions.append(mentions.per_second)


async def _claims(redis_url: str, count: int) -> tuple[float, float]:
    """Microseconds per claim, sequential: in memory, and a Redis SET NX round trip."""
    memory = MemorySeen(max_keys=100_000)
    redis = RedisSeen(connect(redis_url), name="bench", window=900, fallback_max_keys=10)
    began = time.perf_counter()
    for n in range(count):
        await memory.first_seen(f"m{n}", ttl=900)
    memory_us = (time.perf_counter() - began) / count * 1e6
    began = time.perf_counter()
    for n in range(count):
        await redis.first_seen(f"bench:{n}", ttl=900)
    redis_us = (time.perf_counter() - began) / count * 1e6
    await redis.client.aclose()
    return memory_us, redis_us


async def run(*, settings: ScaleSettings, workdir: Path) -> ScaleResults:
    """Raises ServerMissing without PostgreSQL or redis-server on this machine."""
    results = ScaleResults(settings)
    postgres, redis = PostgresServer(), RedisServer()
    standin = LocalSlack()
    try:
        postgres.start()
        redis.start()
        await standin.start()
        shared = {"DATABASE_URL": postgres.url(), "REDIS_URL": redis.url(), "LOG_LEVEL": "WARNING"}
        plans = (
            ("in memory + SQLite (defaults), 1 replica", {"LOG_LEVEL": "WARNING"}, 1),
            ("Redis + PostgreSQL, 1 replica", shared, 1),
            ("Redis + PostgreSQL, 2 replicas", shared, 2),
        )
        results.setups = [Setup(label) for label, _, _ in plans]
        for _ in range(settings.rounds):
            for setup, (_, env, count) in zip(results.setups, plans, strict=True):
                replicas = [
                    await launch(ROLEFIT, api_url=standin.api_url, workdir=workdir, extra_env=env)
                    for _ in range(count)
                ]
                try:
                    await _measure(setup, replicas, settings)
                finally:
                    for replica in replicas:
                        await stop(replica)
        results.memory_claim_us, results.redis_claim_us = await _claims(
            redis.url(), settings.claims
        )
    finally:
        await standin.stop()
        redis.remove()
        postgres.remove()
    return results


def added_ms(results: ScaleResults) -> float:
    """What the shared stores add to one `/rolefit` at concurrency 1 (difference of medians)."""
    return results.setups[1].single_ms - results.setups[0].single_ms


def markdown(results: ScaleResults) -> str:
    s = results.settings
    lines = [
        "# Shared stores: Redis and PostgreSQL against the defaults",
        "",
        f"`python -m bench.shared_stores`, {time.strftime('%Y-%m-%d')}; each load ran "
        f"{s.loaded:g} s, concurrency {s.concurrency} split evenly over the replicas; the setups "
        f"took turns for {s.rounds} round(s) and each figure is the median of its rounds. The "
        "load generator, the Web API stand-in, PostgreSQL and Redis share the machine's cores "
        "with the servers, so two replicas here compete for the same CPU.",
        "",
        f"| setup | `/rolefit` p50, one at a time | p99 | `/rolefit` req/s at {s.concurrency} "
        f"| mention acks/s at {s.concurrency} |",
        "|---|---|---|---|---|",
    ]
    for setup in results.setups:
        lines.append(
            f"| {setup.label} | {setup.single_ms:.2f} ms | {setup.single_p99_ms:.2f} ms "
            f"| {setup.commands_per_second:,.0f} | {setup.mentions_per_second:,.0f} |"
        )
    added = added_ms(results)
    verdict = "within" if added < TARGET_ADDED_MS else "over"
    lines += [
        "",
        f"Added per `/rolefit` at concurrency 1 by the shared stores: **{added:+.2f} ms** "
        f"({verdict} the {TARGET_ADDED_MS} ms target). A command pays one Redis claim (its "
        "signature); an event two (signature and event id). Feedback rows go to PostgreSQL from a "
        "background thread, in batches, off the request path.",
        "",
        f"One claim, sequential, in this process: in memory {results.memory_claim_us:.1f} µs, "
        f"Redis `SET NX PX` {results.redis_claim_us:.1f} µs.",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.shared_stores", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="rolefit-bench-scale-") as workdir:
        try:
            results = asyncio.run(run(settings=settings, workdir=Path(workdir)))
        except ServerMissing as error:
            print(f"bench: shared stores left out: {error}", file=sys.stderr)
            return 0
        except BenchError as error:
            print(f"bench: the run broke: {error}", file=sys.stderr)
            return 1
    text = markdown(results)
    print(text)
    out = args.out if args.out is not None else (None if args.quick else DEFAULT_OUT)
    if out is not None:
        out.write_text(text, "utf-8")
        print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
