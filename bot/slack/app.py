"""Wiring: the Bolt app, its Web API client and the listeners, built from settings and knowledge."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware.authorization.async_single_team_authorization import (
    AsyncSingleTeamAuthorization,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.feedback.wiring import attach_feedback
from bot.slack.context import request_ids
from bot.slack.dedup import DropRetriedEvents, SeenStore
from bot.slack.health import StoreHealth
from bot.slack.identity import Identity, KnownIdentity, TokenCheck
from bot.slack.inflight import inflight_of
from bot.slack.listeners import installed
from bot.slack.oauth import Distribution
from bot.slack.retries import RetryingRespondMiddleware, retry_handlers
from bot.slack.server import SHUTDOWN_TIMEOUT, build_web_app
from bot.slack.services import Services

logger = logging.getLogger("rolefit")

BOT_TOKEN = "SLACK_BOT_TOKEN"
IDENTITY = web.AppKey("identity", Identity)
"""Who the bot is, as the start-up (or background) check found it."""


def _not_token_unused(record: logging.LogRecord) -> bool:
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


def build_client(settings: Settings) -> AsyncWebClient:
    """A Web API client that rides out rate limits, 5xx answers and dropped connections.

    In distribution mode it has no token: Bolt gives each request a copy with its workspace's.
    """
    return AsyncWebClient(
        token=None if settings.distributed else settings.bot_token,
        base_url=settings.api_url,
        timeout=10,
        retry_handlers=retry_handlers(),
    )


def build_app(
    *,
    settings: Settings,
    services: Services,
    verify_requests: bool = True,
    seen_events: SeenStore | None = None,
    identity: Identity | None = None,
    distribution: Distribution | None = None,
) -> AsyncApp:
    """Commands are answered inside the ack (process_before_response); slow work runs lazily.

    Requests no listener handles (unknown event types, action ids) get an empty 200, so Slack
    does not retry them; handlers/errors.py logs them at DEBUG. Retried events are dropped by
    bot/slack/dedup.py (`seen_events`, else `services.seen_events`: a shared store when several
    processes serve one app). With one workspace, requests are authorized from `identity`
    (bot/slack/identity.py), never by calling auth.test; with `distribution`, from its
    installation store, and uninstalling deletes a workspace's installation (bot/slack/oauth.py).
    """
    bolt_logger = logging.getLogger("rolefit.bolt")
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the client's token wins; it is the same
    # token, so on a correct configuration that warning would only alarm the operator.
    bolt_logger.addFilter(_not_token_unused)
    try:
        app = AsyncApp(
            client=build_client(settings),
            signing_secret=settings.signing_secret if verify_requests else None,
            request_verification_enabled=verify_requests,
            process_before_response=True,
            raise_error_for_unhandled_request=True,
            oauth_settings=distribution.oauth_settings if distribution is not None else None,
            logger=bolt_logger,
        )
    finally:
        bolt_logger.removeFilter(_not_token_unused)
    if distribution is not None:
        app.enable_token_revocation_listeners()
    else:
        known = KnownIdentity(identity or Identity(), token=settings.bot_token)
        middleware = app._async_middleware_list
        single_team = AsyncSingleTeamAuthorization
        middleware[:] = [known if isinstance(m, single_team) else m for m in middleware]
    app.use(logs.IdsMiddleware(request_ids))
    app.use(RetryingRespondMiddleware())
    app.use(DropRetriedEvents(seen_events or services.seen_events))
    inflight_of(app)
    installed().register(app, services=services)
    return app


def build_http_app(
    *,
    settings: Settings,
    services: Services,
    shutdown_timeout: float = SHUTDOWN_TIMEOUT,
    distribution: Distribution | None = None,
) -> web.Application:
    """HTTP mode: the request gate, then `/rolefit` answered at the gate, the rest by Bolt.

    With one workspace, the bot token is checked while the app starts, before it takes a request
    (TokenRefused stops it); when Slack cannot be asked, the check goes on in the background. In
    distribution mode every request goes to Bolt, which answers only installed workspaces, and
    the OAuth tables are created before the first request is taken. With DATABASE_URL the
    feedback tables are created or migrated at start too (a database that is down is logged and
    tried again later, without stopping start-up). `/healthz` asks the shared stores in
    `services.stores` (bot/slack/health.py), if any.
    """
    identity = Identity()
    web_app = build_web_app(
        build_app(
            settings=settings, services=services, identity=identity, distribution=distribution
        ),
        replay=services.seen_signatures,
        quick_answer=None if distribution else installed().quick_answer(services=services),
        stores=StoreHealth(services.stores) if services.stores else None,
        shutdown_timeout=shutdown_timeout,
    )
    web_app[IDENTITY] = identity
    if distribution is None:
        check = TokenCheck(token=settings.bot_token, api_url=settings.api_url, variable=BOT_TOKEN)

        async def checked_identity(_: web.Application) -> AsyncIterator[None]:
            background = await check.at_start(identity)
            yield
            if background is not None:
                background.cancel()

        web_app.cleanup_ctx.append(checked_identity)
    feedback = services.feedback
    if settings.database_url and feedback is not None:

        async def migrate_feedback(_: web.Application) -> None:
            await feedback.read(lambda _: None)

        web_app.on_startup.append(migrate_feedback)
    if distribution is not None:

        async def create_tables(_: web.Application) -> None:
            await distribution.create_tables()

        async def dispose(_: web.Application) -> None:
            await distribution.close()

        web_app.on_startup.append(create_tables)
        web_app.on_cleanup.append(dispose)
    return web_app


def build_services(
    rolefit: RoleFit, *, settings: Settings | None = None, distribution: Distribution | None = None
) -> Services:
    """Services for the listeners; with settings, feedback is recorded to DATABASE_URL or
    ROLEFIT_DB, REDIS_URL shares de-duplication, replay records and click locks, and
    ROLEFIT_EXPERTS_CHANNEL turns on "Ask a person"."""
    services = Services(rolefit=rolefit)
    if settings is None:
        return services
    installer = distribution.installer if distribution is not None else None
    attach_feedback(services, settings=settings, installer=installer)
    if settings.experts_channel:
        services.rolefit = rolefit.asking_people()
        services.experts_channel = settings.experts_channel
    if settings.redis_url:
        from bot.slack.redis_seen import shared_seen

        events, signatures, clicks = shared_seen(settings.redis_url)
        services.seen_events, services.seen_signatures, services.clicks = events, signatures, clicks
        services.stores["redis"] = events  # one client behind all three: one PING covers them
    return services
