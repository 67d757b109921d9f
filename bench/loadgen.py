"""The load generator: an aiohttp client sending signed Slack requests at a fixed concurrency.

Each of `concurrency` workers sends one request at a time over keep-alive connections until the
time is up; a request's latency runs from just before it is sent (its body already built and
signed) to its response body read. A response that is not 200, or that `check` rejects, counts
as an error; the benchmark run fails if there are any.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from bench.stats import Timings
from bot.local_slack import payloads
from bot.local_slack.signing import FORM, JSON, form_body, json_body, signed_headers

Request = tuple[bytes, dict[str, str]]
Check = Callable[[int, bytes], bool]

_serial = itertools.count(1)


def slash_command(text: str) -> Request:
    """A signed `/rolefit <text>` request body and its headers."""
    body = form_body(payloads.command(text)).encode()
    return body, signed_headers(body, content_type=FORM)


def mention(text: str) -> tuple[bytes, dict[str, str], str]:
    """A signed app_mention event, its headers, and its ts (which the reply's thread_ts names)."""
    ts = f"{int(time.time())}.{next(_serial):06d}"
    body = json_body(payloads.envelope(payloads.mention(text, ts=ts))).encode()
    return body, signed_headers(body, content_type=JSON), ts


@dataclass
class LoadResult:
    concurrency: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    server_cpu: float | None = None
    """CPU seconds the server used meanwhile (all its threads), when known."""

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def timings(self) -> Timings:
        return Timings.of(self.latencies)

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.server_cpu is None or not self.requests:
            return None
        return self.server_cpu / self.requests * 1000

    def merge(self, other: LoadResult) -> LoadResult:
        cpu = None
        if self.server_cpu is not None and other.server_cpu is not None:
            cpu = self.server_cpu + other.server_cpu
        return LoadResult(
            self.concurrency,
            self.seconds + other.seconds,
            self.latencies + other.latencies,
            self.errors + other.errors,
            cpu,
        )


def session(concurrency: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


async def run_load(
    url: str,
    make: Callable[[], Request],
    *,
    concurrency: int,
    seconds: float,
    check: Check,
    client: aiohttp.ClientSession | None = None,
) -> LoadResult:
    """Send requests from `make` at `concurrency` for about `seconds`."""
    result = LoadResult(concurrency)
    own = client is None
    client = client or session(concurrency)
    began = time.perf_counter()
    deadline = began + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            body, headers = make()
            sent = time.perf_counter()
            try:
                async with client.post(url, data=body, headers=headers) as response:
                    answer = await response.read()
                    status = response.status
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                result.errors.append(f"{type(error).__name__}: {error}")
                continue
            result.latencies.append(time.perf_counter() - sent)
            if not check(status, answer):
                result.errors.append(f"{status}: {answer[:200]!r}")

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        result.seconds = time.perf_counter() - began
        if own:
            await client.close()
    return result
