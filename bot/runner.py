"""Starting RoleFit: HTTP mode, Socket Mode, or the local console."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket as sockets
from typing import TextIO
from urllib.parse import urlsplit

from aiohttp import web

from bot import logs
from bot.cards.replies import load_rolefit
from bot.config import Settings
from bot.slack.app import BOT_TOKEN, build_app, build_http_app, build_services
from bot.slack.identity import Identity, TokenCheck, TokenRefused
from bot.slack.inflight import inflight_of
from bot.slack.oauth import DatabaseUnavailable, distribution
from bot.slack.server import SHUTDOWN_TIMEOUT
from bot.slack.services import Services

logger = logging.getLogger("rolefit")


def _listen(host: str, port: int) -> sockets.socket:
    """Bind before serving, so port 0 can become a free port whose number we can tell."""
    family = sockets.AF_INET6 if ":" in host else sockets.AF_INET
    return sockets.create_server((host, port), family=family, backlog=128)


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
    rolefit = load_rolefit(err)
    if rolefit is None:
        return 1
    try:
        found = distribution(settings) if settings.distributed else None
    except RuntimeError as error:
        print(f"rolefit: {error}", file=err)
        return 1
    bind_host = host or settings.host
    bind_port = settings.port if port is None else port
    try:
        listener = _listen(bind_host, bind_port)
    except OSError as error:
        print(f"rolefit: cannot listen on {bind_host}:{bind_port}: {error.strerror}", file=err)
        return 1
    actual_port = int(listener.getsockname()[1])
    if bind_port == 0:
        print(f"listening on http://{bind_host}:{actual_port}/slack/events", flush=True)
    services = build_services(rolefit, settings=settings, distribution=found)
    logger.info("serving Slack requests on http://%s:%s/slack/events", bind_host, actual_port)
    if found is not None:
        logger.info(
            "distribution mode: install link http://%s:%s%s",
            bind_host,
            actual_port,
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
            sock=listener,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            print=None,
            access_log=None,
        )
    except TokenRefused as error:
        print(error, file=err)
        return 1
    except DatabaseUnavailable as error:
        print(f"rolefit: {error}", file=err)
        return 1
    finally:
        listener.close()
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
    rolefit = load_rolefit(err)
    if rolefit is None:
        return 1
    services = build_services(rolefit, settings=settings)
    identity = Identity()
    bolt = build_app(
        settings=settings, services=services, verify_requests=False, identity=identity
    )
    inflight = inflight_of(bolt)
    bot_check = TokenCheck(token=settings.bot_token, api_url=settings.api_url, variable=BOT_TOKEN)
    app_check = TokenCheck(
        token=settings.app_token,
        api_url=settings.api_url,
        variable="SLACK_APP_TOKEN",
        method="apps.connections.open",
    )

    class TrackedHandler(AsyncSocketModeHandler):
        async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
            if inflight.closing:
                return
            inflight.track_current()
            # Bolt annotates the aiohttp client, but calls this with the base class it runs on.
            await super().handle(client, req)  # type: ignore[arg-type]

    async def run() -> None:
        background = await bot_check.at_start(identity)
        await app_check.once()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        handler = TrackedHandler(
            bolt, settings.app_token, logger=logging.getLogger("slack_sdk.socket_mode")
        )
        logger.info("connecting to Slack in Socket Mode")
        connecting = asyncio.ensure_future(
            handler.connect_async()  # type: ignore[no-untyped-call]  # slack_sdk leaves it unannotated
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if connecting.done():
            connecting.result()
            logger.info("connected to Slack in Socket Mode")
        await stopping
        logger.info("stopping: finishing the requests in flight")
        connecting.cancel()
        await inflight.drain(SHUTDOWN_TIMEOUT)
        await handler.close_async()  # type: ignore[no-untyped-call]  # slack_sdk leaves it unannotated
        if background is not None:
            background.cancel()

    try:
        asyncio.run(run())
    except TokenRefused as error:
        print(error, file=err)
        return 1
    finally:
        _close(services)
    logger.info("stopped")
    return 0


def chat(settings: Settings, *, err: TextIO, in_channel: bool = False) -> int:
    """The console: the same app and listeners, driven from this terminal (bot/console/); its
    feedback goes to ROLEFIT_DB like the app's."""
    from bot.console.session import run_console

    rolefit = load_rolefit(err)
    if rolefit is None:
        return 1
    feedback = Settings(db_path=settings.db_path, record_questions=settings.record_questions)
    return run_console(rolefit, err=err, in_channel=in_channel, settings=feedback)
