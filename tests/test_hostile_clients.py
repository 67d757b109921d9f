"""Slow and hostile clients: stalled headers and bodies, hang-ups, junk that floods the log."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web

from bot import logs
from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.knowledge.model import Knowledge
from bot.local_slack.signing import BOT_TOKEN, SIGNING_SECRET
from bot.local_slack.standin import LocalSlack
from bot.slack.app import build_app, build_services
from bot.slack.server import INFLIGHT, build_web_app

DEADLINE = 0.5
GUARD = 20.0
"""How long a test waits before calling the server hung: far past DEADLINE, never asserted on."""


class Server:
    def __init__(self, runner: web.AppRunner, port: int) -> None:
        self.runner, self.port = runner, port

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@pytest.fixture
async def server(stub: LocalSlack, knowledge: Knowledge) -> AsyncIterator[Server]:
    settings = Settings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=stub.api_url)
    bolt = build_app(settings=settings, services=build_services(RoleFit(knowledge)))
    web_app = build_web_app(bolt, header_timeout=DEADLINE, body_timeout=DEADLINE)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    assert isinstance(site._server, asyncio.Server)
    yield Server(runner, site._server.sockets[0].getsockname()[1])
    await runner.cleanup()


HEAD = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


async def test_a_client_that_never_finishes_its_headers_is_disconnected(server: Server) -> None:
    """Item 5: 2000 connections dribbling a byte every 5 s used to stay open for a minute."""
    reader, writer = await server.connect()
    writer.write(HEAD)
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), GUARD) == b""
    writer.close()


async def test_a_client_that_never_finishes_its_body_gets_408(server: Server) -> None:
    reader, writer = await server.connect()
    writer.write(HEAD + b"Content-Length: 100\r\n\r\n{\"a\":")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), GUARD)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    writer.close()


async def _reading(server: Server) -> set[asyncio.Task[object]]:
    inflight = server.runner.app[INFLIGHT]
    for _ in range(int(GUARD / 0.01)):
        if inflight.reading:
            return inflight.reading
        await asyncio.sleep(0.01)
    raise AssertionError("the request never reached the gate")


async def test_an_unsigned_slow_request_is_not_work_in_flight(server: Server) -> None:
    """Item 5: one slow unsigned connection stretched shutdown from 1.4 s to 11.4 s."""
    _, writer = await server.connect()
    writer.write(HEAD + b"Content-Length: 100\r\n\r\n{")
    await writer.drain()
    reading = set(await _reading(server))
    inflight = server.runner.app[INFLIGHT]
    assert len(inflight) == 0, "shutdown would wait for it"
    assert await inflight.drain(GUARD) == 0
    await asyncio.wait_for(asyncio.wait(reading), GUARD)
    assert all(task.cancelled() for task in reading), "shutdown cancels it instead"
    writer.close()


async def test_a_client_hanging_up_mid_body_is_one_debug_line(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 5: every abort logged a 22-line traceback (100 aborts: 120 KB of log)."""
    with caplog.at_level(logging.DEBUG):
        _, writer = await server.connect()
        writer.write(HEAD + b"Content-Length: 100\r\n\r\n{")
        await writer.drain()
        reading = set(await _reading(server))
        writer.transport.abort()
        await asyncio.wait_for(asyncio.wait(reading), GUARD)
    assert not [r for r in caplog.records if r.levelno > logging.DEBUG]
    assert not [r for r in caplog.records if r.exc_info]
    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(gone) == 1


# ---------------------------------------------------------------- what reaches the log


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """The process's real log set-up (text format), written to a buffer."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.setup(level="INFO", fmt="text")
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_newline_in_a_logged_value_cannot_forge_a_line(log_text: io.StringIO) -> None:
    """Item 6: a newline in a signed `user.id` forged `CRITICAL rolefit: FORGED LINE`."""
    forged = "U1\nCRITICAL rolefit: FORGED LINE"
    log = logging.getLogger("rolefit.handlers")
    log.warning("failed for %s", forged, extra={"ids": {"user": forged}})
    try:
        raise ValueError(forged)
    except ValueError:
        log.exception("listener failed")
    lines = log_text.getvalue().splitlines()
    assert not [line for line in lines if line.startswith("CRITICAL") or "\rCRITICAL" in line]
    assert not [line for line in lines if line and not line[0].isdigit() and line[0] != " "]
    assert "FORGED LINE" in lines[0] and "\\n" in lines[0]


def test_a_huge_logged_value_is_capped(log_text: io.StringIO) -> None:
    ids = {"user": "y" * 100_000}
    logging.getLogger("rolefit").warning("got %s", "x" * 200_000, extra={"ids": ids})
    assert len(log_text.getvalue()) < 3 * logs.MAX_VALUE


async def test_a_junk_request_line_is_one_short_log_line(
    server: Server, log_text: io.StringIO
) -> None:
    """Item 6: one unsigned request wrote ~128 KB into the error log."""
    reader, writer = await server.connect()
    writer.write(b"GET /" + b"\x01\nA" * 40_000 + b" HTTP/1.1\r\n\r\n")
    await writer.drain()
    await asyncio.wait_for(reader.read(), GUARD)
    writer.close()
    written = log_text.getvalue()
    assert len(written) < 1000, written[:300]
    assert "bad HTTP request refused" in written and "ERROR" not in written
