"""A server as its own process on 127.0.0.1, for the tests and the benchmarks alike: `launch`
starts it on a free port and waits for its first 200 from /healthz (the start-up time); `stop`
sends SIGTERM and waits. Everything is async so that a Web API stand-in running in the caller's
event loop keeps answering meanwhile. The server's stderr goes to a file, so a chatty server
never blocks on a full pipe and the caller can read it after the exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import aiohttp

from bot.local_slack.signing import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
SERVE = ("bot", "serve", "--host", "127.0.0.1", "--port", "{port}")


class LaunchError(RuntimeError):
    """The server would not start: it exited, or never answered /healthz."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(
    *, api_url: str, token: str = BOT_TOKEN, secret: str = SIGNING_SECRET, **extra: str
) -> dict[str, str]:
    """The environment of a local server: the stand-in's secrets and Web API, and nothing of the
    caller's own Slack or RoleFit settings (a developer's real token must never leak in)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "ROLEFIT_", "LOG_")) and name != "PORT"
    }
    env.update(
        # Feedback goes to a scratch file, never into the folder the server runs in.
        ROLEFIT_DB=str(Path(tempfile.mkdtemp(prefix="rolefit-local-")) / "rolefit.db"),
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=secret,
        SLACK_API_URL=api_url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


@dataclass
class LocalServer:
    """A running `python -m <module>`; `port` is 0 for one that serves no HTTP (Socket Mode)."""

    process: asyncio.subprocess.Process
    port: int
    log: BinaryIO
    started_in: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """Everything the server wrote to stderr so far."""
        fd = self.log.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    async def wait_ready(self, *, timeout: float = READY_TIMEOUT) -> None:
        """Until /healthz answers 200; LaunchError if the process exits or time runs out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while not await self._healthy(session):
                if self.process.returncode is not None:
                    raise LaunchError(f"exited with {self.process.returncode}:\n{self.log_tail()}")
                if loop.time() > deadline:
                    raise LaunchError(f"did not answer /healthz in {timeout:.0f} s")
                await asyncio.sleep(0.005)

    async def _healthy(self, session: aiohttp.ClientSession) -> bool:
        try:
            async with session.get(f"{self.url}/healthz") as reply:
                await reply.read()
                return reply.status == 200
        except (TimeoutError, aiohttp.ClientError, OSError):
            return False

    async def stop(self, *, timeout: float = STOP_TIMEOUT) -> tuple[int, str]:
        """SIGTERM, then the exit code and stderr once it has exited (killed after `timeout`)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.finish(timeout=timeout)

    async def finish(self, *, timeout: float = STOP_TIMEOUT) -> tuple[int, str]:
        """The exit code and stderr once the process has exited by itself (killed after
        `timeout`)."""
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        output = self.output()
        self.log.close()
        return code, output

    async def kill(self) -> None:
        """Clean-up whatever state the process is in."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.log.close()


async def start(
    args: Sequence[str], *, env: dict[str, str], log: Path | None = None, port: int = 0
) -> LocalServer:
    """`python -m <args>` ("{port}" in them becomes `port`), stderr to `log` (a temporary file
    without one); not waiting for it to be ready."""
    # the file outlives this call: the server writes to it until it exits (LocalServer closes it)
    out: BinaryIO = log.open("w+b") if log is not None else tempfile.TemporaryFile()  # noqa: SIM115
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *(arg.replace("{port}", str(port)) for arg in args),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=out,
        )
    except BaseException:
        out.close()
        raise
    return LocalServer(process, port, out)


async def launch(
    args: Sequence[str] = SERVE,
    *,
    env: dict[str, str],
    log: Path | None = None,
    timeout: float = READY_TIMEOUT,
) -> LocalServer:
    """Start an HTTP server on a free port and wait for /healthz; `started_in` counts from the
    start of the process, so it includes the interpreter and the imports."""
    began = time.perf_counter()
    server = await start(args, env=env, log=log, port=free_port())
    try:
        await server.wait_ready(timeout=timeout)
    except BaseException:
        with contextlib.suppress(Exception):
            await server.kill()
        raise
    server.started_in = time.perf_counter() - began
    return server
