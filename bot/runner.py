"""Starting RoleFit: HTTP mode, Socket Mode, or the local console."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TextIO

from aiohttp import web

from bot import logs
from bot.app import build_app, build_services
from bot.config import Settings
from bot.knowledge import load_knowledge
from bot.problems import KnowledgeError
from bot.replies import RoleFit
from bot.server import build_web_app

logger = logging.getLogger("rolefit")

SHUTDOWN_TIMEOUT = 10.0


def _rolefit(err: TextIO) -> RoleFit | None:
    """Broken knowledge stops start-up with every problem listed; nothing serves half of it."""
    try:
        return RoleFit(load_knowledge())
    except KnowledgeError as error:
        print(error.summary(), file=err)
        return None


def serve(settings: Settings, *, host: str | None, port: int | None, err: TextIO) -> int:
    logs.setup(level=settings.log_level, fmt=settings.log_format)
    rolefit = _rolefit(err)
    if rolefit is None:
        return 1
    bolt = build_app(settings=settings, services=build_services(rolefit, settings=settings))
    bind_host, bind_port = host or settings.host, port or settings.port
    logger.info("serving Slack requests on http://%s:%s/slack/events", bind_host, bind_port)
    web.run_app(
        build_web_app(bolt),
        host=bind_host,
        port=bind_port,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        print=None,
        access_log=None,
    )
    logger.info("stopped")
    return 0


def socket(settings: Settings, *, err: TextIO) -> int:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    logs.setup(level=settings.log_level, fmt=settings.log_format)
    rolefit = _rolefit(err)
    if rolefit is None:
        return 1
    bolt = build_app(settings=settings, services=build_services(rolefit, settings=settings), verify_requests=False)

    async def run() -> None:
        handler = AsyncSocketModeHandler(bolt, settings.app_token)
        logger.info("connecting to Slack in Socket Mode")
        await handler.start_async()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def chat(*, err: TextIO) -> int:
    """The console: the same app and listeners, driven from this terminal (bot/console.py)."""
    from bot.console import run_console

    rolefit = _rolefit(err)
    if rolefit is None:
        return 1
    return run_console(rolefit, err=err)
