"""Starting RoleFit: HTTP mode, Socket Mode, or the local console."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TextIO
from urllib.parse import urlsplit

from aiohttp import web

from bot import logs
from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.knowledge.loader import load_knowledge
from bot.knowledge.problems import KnowledgeError
from bot.slack.app import build_app, build_http_app, build_services
from bot.slack.inflight import inflight_of
from bot.slack.oauth import DatabaseUnavailable, distribution
from bot.slack.server import SHUTDOWN_TIMEOUT
from bot.slack.services import Services

logger = logging.getLogger("rolefit")



def _rolefit(err: TextIO) -> RoleFit | None:
    """Broken knowledge stops start-up with every problem listed; nothing serves half of it."""
    try:
        return RoleFit(load_knowledge())
    except KnowledgeError as error:
        print(error.summary(), file=err)
        return None


def _secrets(settings: Settings) -> tuple[str | None, ...]:
    urls = (settings.database_url, settings.redis_url)
    passwords = tuple(urlsplit(url).password for url in urls if url)
    return (
        settings.bot_token,
        settings.signing_secret,
        settings.app_token,
        settings.client_secret,
        *urls,
        *passwords,
    )


def _close(services: Services) -> None:
    """After the last request: flush and close what the listeners wrote to."""
    if services.feedback is not None:
        services.feedback.close()


def serve(settings: Settings, *, host: str | None, port: int | None, err: TextIO) -> int:
    """HTTP mode until SIGTERM or SIGINT; then stop listening, finish what is in flight, exit 0.

    The shutdown sequence is aiohttp's (stop listening, close idle connections, on_shutdown,
    wait for handlers, on_cleanup); bot/slack/server.py's on_shutdown hook answers 503 from then on
    and waits for the requests and Bolt lazy listeners in flight, SHUTDOWN_TIMEOUT seconds at most.
    """
    logs.setup(level=settings.log_level, fmt=settings.log_format, secrets=_secrets(settings))
    rolefit = _rolefit(err)
    if rolefit is None:
        return 1
    try:
        found = distribution(settings) if settings.distributed else None
    except RuntimeError as error:
        print(f"rolefit: {error}", file=err)
        return 1
    services = build_services(rolefit, settings=settings, distribution=found)
    bind_host, bind_port = host or settings.host, port or settings.port
    logger.info("serving Slack requests on http://%s:%s/slack/events", bind_host, bind_port)
    if found is not None:
        logger.info(
            "distribution mode: install link http://%s:%s%s",
            bind_host,
            bind_port,
            found.oauth_settings.install_path,
        )
    try:
        web.run_app(
            build_http_app(
                settings=settings,
                services=services,
                shutdown_timeout=SHUTDOWN_TIMEOUT,
                distribution=found,
            ),
            host=bind_host,
            port=bind_port,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            print=None,
            access_log=None,
        )
    except DatabaseUnavailable as error:
        print(f"rolefit: {error}", file=err)
        return 1
    except OSError as error:
        print(f"rolefit: cannot listen on {bind_host}:{bind_port}: {error.strerror}", file=err)
        return 1
    finally:
        _close(services)
    logger.info("stopped")
    return 0


def socket(settings: Settings, *, err: TextIO) -> int:
    """Socket Mode until SIGTERM or SIGINT; then stop taking envelopes, finish, close, exit 0.

    Envelopes that arrive while stopping are left unacknowledged, so Slack delivers them again
    (to another connection, or to this app once it is back) instead of them being half-handled.
    """
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
    from slack_sdk.socket_mode.request import SocketModeRequest

    logs.setup(level=settings.log_level, fmt=settings.log_format, secrets=_secrets(settings))
    rolefit = _rolefit(err)
    if rolefit is None:
        return 1
    services = build_services(rolefit, settings=settings)
    bolt = build_app(settings=settings, services=services, verify_requests=False)
    inflight = inflight_of(bolt)

    class TrackedHandler(AsyncSocketModeHandler):
        async def handle(
            self, client: AsyncBaseSocketModeClient, req: SocketModeRequest
        ) -> None:
            if inflight.closing:
                return
            inflight.track_current()
            await super().handle(client, req)  # type: ignore[arg-type]

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        handler = TrackedHandler(
            bolt, settings.app_token, logger=logging.getLogger("slack_sdk.socket_mode")
        )
        logger.info("connecting to Slack in Socket Mode")
        connecting = asyncio.ensure_future(handler.connect_async())  # type: ignore[no-untyped-call]
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if connecting.done():
            connecting.result()
            logger.info("connected to Slack in Socket Mode")
        await stopping
        logger.info("stopping: finishing the requests in flight")
        connecting.cancel()
        await inflight.drain(SHUTDOWN_TIMEOUT)
        await handler.close_async()  # type: ignore[no-untyped-call]

    try:
        asyncio.run(run())
    finally:
        _close(services)
    logger.info("stopped")
    return 0


def chat(*, err: TextIO) -> int:
    """The console: the same app and listeners, driven from this terminal (bot/console/)."""
    from bot.console.session import run_console

    rolefit = _rolefit(err)
    if rolefit is None:
        return 1
    return run_console(rolefit, err=err)
