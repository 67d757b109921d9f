"""`python -m bot serve` as a real process on a free port, pointed at the Web API stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.fixtures.cli import scratch_db
from tests.support import payloads
from tests.support.signing import BOT_TOKEN, SIGNING_SECRET, json_body, signed_headers
from tests.support.slack_stub import SlackStub

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_env(stub: SlackStub, **extra: str) -> dict[str, str]:
    """The server's environment; its feedback database goes to a temporary folder."""
    return {
        "ROLEFIT_DB": str(scratch_db()),
        "PATH": os.environ.get("PATH", ""),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": stub.api_url,
        "LOG_LEVEL": "INFO",
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
        **extra,
    }


class ServerProcess:
    """`python -m bot serve` on a free port, pointed at the stand-in."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.session = aiohttp.ClientSession()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            assert self.process.returncode is None, "the server exited during start-up"
            with contextlib.suppress(aiohttp.ClientError):
                async with self.session.get(f"{self.url}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
        raise AssertionError("the server did not start")

    async def send_event(self, event: dict[str, object]) -> int:
        body = json_body(payloads.envelope(event))
        headers = signed_headers(body, content_type="application/json")
        async with self.session.post(
            f"{self.url}/slack/events", data=body.encode(), headers=headers
        ) as response:
            return response.status

    async def refuses(self) -> bool:
        """True once a new request is turned away (connection refused, or 503 while draining)."""
        try:
            async with aiohttp.ClientSession() as fresh, fresh.get(f"{self.url}/healthz") as resp:
                return resp.status == 503
        except aiohttp.ClientError:
            return True

    async def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        return await self.finish()

    async def finish(self) -> tuple[int, str]:
        assert self.process.stderr is not None
        stderr = await asyncio.wait_for(self.process.stderr.read(), timeout=30)
        code = await asyncio.wait_for(self.process.wait(), timeout=30)
        await self.session.close()
        return code, stderr.decode()

    async def kill(self) -> None:
        """Clean-up after a test, whatever state the process is in."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        await self.session.close()


async def launch_serve(
    stub: SlackStub,
    *,
    port: int,
    stdout: int = asyncio.subprocess.DEVNULL,
    env: dict[str, str] | None = None,
) -> asyncio.subprocess.Process:
    """`python -m bot serve` on 127.0.0.1:`port` with `app_env(stub, **env)`, stderr piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        cwd=ROOT,
        env=app_env(stub, **(env or {})),
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )


async def start_serve(stub: SlackStub, **env: str) -> ServerProcess:
    """Start the server with `app_env(stub, **env)` and wait for its first /healthz 200."""
    port = free_port()
    process = await launch_serve(stub, port=port, env=env)
    running = ServerProcess(process, port)
    try:
        await running.wait_ready()
    except BaseException:
        await running.kill()
        raise
    return running
