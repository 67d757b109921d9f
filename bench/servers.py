"""The servers under test, each a subprocess on 127.0.0.1: RoleFit and the two Bolt baselines.

`launch` starts one and waits for its first 200 from /healthz (the start-up time); `stop` sends
SIGTERM and waits. Both are async so that the Web API stand-in, which runs in the benchmark's
own event loop, keeps answering meanwhile. `rss_kib` and `cpu_seconds` read a server's resident
memory and CPU time from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.signing import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 60.0


class BenchError(RuntimeError):
    """The benchmark run itself broke (a server would not start, requests failed)."""


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    module_args: tuple[str, ...]
    """Arguments after `python -m`; "{port}" is replaced by the port."""


ROLEFIT = Target(
    "rolefit",
    "RoleFit (`rolefit serve`)",
    ("bot", "serve", "--host", "127.0.0.1", "--port", "{port}"),
)
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
    process: subprocess.Popen[bytes]
    port: int
    started_in: float
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(*, api_url: str, workdir: Path) -> dict[str, str]:
    """The environment of a server under test: the bench's secrets, no inherited Slack settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "ROLEFIT_")) and name not in {"PORT", "LOG_LEVEL"}
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api_url,
        ROLEFIT_DB=str(workdir / "rolefit-bench.db"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


async def _healthy(session: aiohttp.ClientSession, port: int) -> bool:
    try:
        async with session.get(f"http://127.0.0.1:{port}/healthz") as reply:
            await reply.read()
            return reply.status == 200
    except (TimeoutError, aiohttp.ClientError, OSError):
        return False


async def launch(
    target: Target, *, api_url: str, workdir: Path, extra_env: dict[str, str] | None = None
) -> Running:
    """Start the target and wait for its first 200 from /healthz; the time includes imports."""
    port = free_port()
    log = workdir / f"{target.key}-{port}.log"
    args = [arg.replace("{port}", str(port)) for arg in target.module_args]
    env = {**server_env(api_url=api_url, workdir=workdir), **(extra_env or {})}
    timeout = aiohttp.ClientTimeout(total=2)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with log.open("wb") as out:
            began = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        running = Running(target, process, port, 0.0, log)
        while not await _healthy(session, port):
            if process.poll() is not None:
                raise BenchError(
                    f"{target.key} exited with {process.returncode}:\n{running.log_tail()}"
                )
            if time.perf_counter() - began > READY_TIMEOUT:
                await stop(running)
                raise BenchError(f"{target.key} did not answer /healthz in {READY_TIMEOUT:.0f} s")
            await asyncio.sleep(0.005)
        running.started_in = time.perf_counter() - began
    return running


async def stop(running: Running, *, timeout: float = 20.0) -> None:
    """SIGTERM, then wait (without blocking the stand-in) for the process to exit."""
    process = running.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        deadline = time.perf_counter() + timeout
        while process.poll() is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        if process.poll() is None:
            process.kill()
            process.wait()


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
