"""HTTP latency and throughput: RoleFit's real server against two bare Bolt apps, same run.

Each server is a subprocess on 127.0.0.1 (bench/servers.py) pointed at the in-process Web API
stand-in; the same aiohttp load generator (bench/loadgen.py) sends each one signed `/rolefit`
slash commands with real questions at concurrency 1 and 50. Targets take turns for `rounds`
rounds so that background load hits them alike; results are pooled per target. After the load,
each server's resident memory is read. For RoleFit, signed app_mention events are then sent one
at a time and timed until the stand-in receives the reply (chat.postMessage in the thread).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import loadgen
from bench.baseline_app import STATIC_TEXT
from bench.loadgen import LoadResult, mention, slash_command
from bench.questions import on_topic, questions
from bench.servers import (
    ROLEFIT,
    TARGETS,
    BenchError,
    Running,
    Target,
    cpu_seconds,
    launch,
    rss_kib,
    stop,
)
from bench.stats import Timings
from bot.local_slack.standin import Call, LocalSlack

REPLY_TIMEOUT = 10.0


@dataclass(frozen=True)
class HttpSettings:
    rounds: int
    warmup_seconds: float
    seconds: dict[int, float]
    mentions: int

    @property
    def concurrencies(self) -> tuple[int, ...]:
        return tuple(self.seconds)


FULL = HttpSettings(rounds=2, warmup_seconds=1.0, seconds={1: 4.0, 50: 5.0}, mentions=200)
QUICK = HttpSettings(rounds=1, warmup_seconds=0.2, seconds={1: 0.4, 50: 0.4}, mentions=5)


@dataclass
class TargetResult:
    target: Target
    loads: dict[int, LoadResult] = field(default_factory=dict)
    rss_after_kib: list[int] = field(default_factory=list)

    def add(self, load: LoadResult) -> None:
        known = self.loads.get(load.concurrency)
        self.loads[load.concurrency] = load if known is None else known.merge(load)


@dataclass
class MentionResult:
    replies: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)

    @property
    def reply_timings(self) -> Timings:
        return Timings.of(self.replies)

    @property
    def ack_timings(self) -> Timings:
        return Timings.of(self.acks)


@dataclass
class HttpResults:
    settings: HttpSettings
    targets: dict[str, TargetResult]
    mentions: MentionResult


def _check_for(target: Target) -> loadgen.Check:
    if target is ROLEFIT:
        return lambda status, body: status == 200 and b'"blocks"' in body
    expected = STATIC_TEXT.encode()
    return lambda status, body: status == 200 and expected in body


_QUESTIONS = itertools.cycle(questions())


def _commands() -> loadgen.Request:
    return slash_command(next(_QUESTIONS))


async def _load(running: Running, *, concurrency: int, seconds: float) -> LoadResult:
    cpu_before = cpu_seconds(running.process.pid)
    result = await loadgen.run_load(
        running.url,
        _commands,
        concurrency=concurrency,
        seconds=seconds,
        check=_check_for(running.target),
    )
    cpu_after = cpu_seconds(running.process.pid)
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu = cpu_after - cpu_before
    if result.errors or not result.latencies:
        raise BenchError(
            f"{running.target.key} at concurrency {concurrency}: {len(result.errors)} errors "
            f"in {result.requests} requests, first: {result.errors[:1]}\n{running.log_tail()}"
        )
    return result


def _reply_in(thread_ts: str) -> Callable[[Call], bool]:
    return lambda call: (
        call.method == "chat.postMessage" and call.params.get("thread_ts") == thread_ts
    )


async def _mentions(running: Running, standin: LocalSlack, count: int) -> MentionResult:
    result = MentionResult()
    texts = itertools.cycle(on_topic())
    async with loadgen.session(1) as client:
        for _ in range(count):
            body, headers, ts = mention(next(texts))
            sent = time.perf_counter()
            async with client.post(running.url, data=body, headers=headers) as response:
                await response.read()
                status = response.status
            result.acks.append(time.perf_counter() - sent)
            if status != 200:
                raise BenchError(f"mention answered {status}\n{running.log_tail()}")
            try:
                reply = await standin.first(_reply_in(ts), timeout=REPLY_TIMEOUT)
            except TimeoutError:
                raise BenchError(
                    f"no chat.postMessage within {REPLY_TIMEOUT:.0f} s of a mention\n"
                    f"{running.log_tail()}"
                ) from None
            result.replies.append(reply.arrived - sent)
    return result


async def run(*, settings: HttpSettings, workdir: Path) -> HttpResults:
    standin = LocalSlack()
    await standin.start()
    results = {target.key: TargetResult(target) for target in TARGETS}
    mentions = MentionResult()
    try:
        for _ in range(settings.rounds):
            for target in TARGETS:
                running = await launch(target, api_url=standin.api_url, workdir=workdir)
                try:
                    await _load(running, concurrency=1, seconds=settings.warmup_seconds)
                    for concurrency, seconds in settings.seconds.items():
                        load = await _load(running, concurrency=concurrency, seconds=seconds)
                        results[target.key].add(load)
                    rss = rss_kib(running.process.pid)
                    if rss is not None:
                        results[target.key].rss_after_kib.append(rss)
                    if target is ROLEFIT and not mentions.replies:
                        mentions = await _mentions(running, standin, settings.mentions)
                finally:
                    await stop(running)
    finally:
        await standin.stop()
    return HttpResults(settings, results, mentions)
