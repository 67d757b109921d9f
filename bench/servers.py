"""The servers under test, each a subprocess on 127.0.0.1: RoleFit and the two Bolt baselines.

`launch` starts one with `bot.local_slack.launcher` (the launcher the tests use too) and waits
for its first 200 from /healthz (the start-up time); `stop` sends SIGTERM and waits. Both are
async so that the Web API stand-in, which runs in the benchmark's own event loop, keeps answering
meanwhile. `rss_kib` and `cpu_seconds` read a server's resident memory and CPU time from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

from bot.local_slack import launcher
from bot.local_slack.launcher import SERVE, LaunchError, LocalServer, server_env

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0

_launches = itertools.count(1)


class BenchError(RuntimeError):
    """The benchmark run itself broke (a server would not start, requests failed)."""


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    module_args: tuple[str, ...]
    """Arguments after `python -m`; "{port}" is replaced by the port."""


ROLEFIT = Target("rolefit", "RoleFit (`rolefit serve`)", SERVE)
BOLT_DEFAULT = Target(
    "bolt-default",
    "bare Bolt, default settings",
    ("bench.baseline_app", "--port", "{port}"),
)
BOLT_ACK_FIRST = Target(
    "bolt-pbr",
    "bare Bolt, process_before_response=True",
    ("bench.baseline_app", "--port", "{port}", "--process-before-response"),
)
TARGETS = (BOLT_DEFAULT, BOLT_ACK_FIRST, ROLEFIT)


@dataclass
class Running:
    target: Target
    server: LocalServer

    @property
    def process(self) -> asyncio.subprocess.Process:
        return self.server.process

    @property
    def started_in(self) -> float:
        return self.server.started_in

    @property
    def url(self) -> str:
        return f"{self.server.url}/slack/events"

    def log_tail(self, lines: int = 20) -> str:
        return self.server.log_tail(lines)


async def launch(
    target: Target, *, api_url: str, workdir: Path, extra_env: dict[str, str] | None = None
) -> Running:
    """Start the target and wait for its first 200 from /healthz; the time includes imports."""
    env = server_env(
        api_url=api_url, ROLEFIT_DB=str(workdir / "rolefit-bench.db"), **(extra_env or {})
    )
    log = workdir / f"{target.key}-{next(_launches)}.log"
    try:
        server = await launcher.launch(target.module_args, env=env, log=log, timeout=READY_TIMEOUT)
    except LaunchError as error:
        raise BenchError(f"{target.key} {error}") from None
    return Running(target, server)


async def stop(running: Running) -> None:
    """SIGTERM, then wait (without blocking the stand-in) for the process to exit."""
    await running.server.stop(timeout=STOP_TIMEOUT)


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time the process (all its threads) has used, or None without /proc."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return None


def rss_kib(pid: int) -> int | None:
    """Resident memory (VmRSS) in KiB, or None where /proc is not available."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None
