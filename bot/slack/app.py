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
from bot.slack.identity import Identity, KnownIdentity, TokenCheck
from bot.slack.inflight import inflight_of
from bot.slack.listeners import installed
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
    """A Web API client that rides out rate limits, 5xx answers and dropped connections."""
    return AsyncWebClient(
        token=settings.bot_token,
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
) -> AsyncApp:
    """Commands are answered inside the ack (process_before_response); slow work runs lazily.

    Requests no listener handles (unknown event types, action ids) get an empty 200, so Slack
    does not retry them; handlers/errors.py logs them at DEBUG. Retried events are dropped by
    bot/slack/dedup.py (`seen_events`: a shared store when several processes serve one app).
    Requests are authorized from `identity` (bot/slack/identity.py), never by calling auth.test.
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
            logger=bolt_logger,
        )
    finally:
        bolt_logger.removeFilter(_not_token_unused)
    known = KnownIdentity(identity or Identity(), token=settings.bot_token)
    middleware = app._async_middleware_list
    single_team = AsyncSingleTeamAuthorization
    middleware[:] = [known if isinstance(m, single_team) else m for m in middleware]
    app.use(logs.IdsMiddleware(request_ids))
    app.use(RetryingRespondMiddleware())
    app.use(DropRetriedEvents(seen_events))
    inflight_of(app)
    installed().register(app, services=services)
    return app


def build_http_app(
    *, settings: Settings, services: Services, shutdown_timeout: float = SHUTDOWN_TIMEOUT
) -> web.Application:
    """HTTP mode: the request gate, then `/rolefit` answered at the gate, the rest by Bolt.

    The bot token is checked while the app starts, before it takes a request (TokenRefused
    stops it); when Slack cannot be asked, the check goes on in the background.
    """
    identity = Identity()
    web_app = build_web_app(
        build_app(settings=settings, services=services, identity=identity),
        quick_answer=installed().quick_answer(services=services),
        shutdown_timeout=shutdown_timeout,
    )
    check = TokenCheck(token=settings.bot_token, api_url=settings.api_url, variable=BOT_TOKEN)

    async def checked_identity(_: web.Application) -> AsyncIterator[None]:
        background = await check.at_start(identity)
        yield
        if background is not None:
            background.cancel()

    web_app.cleanup_ctx.append(checked_identity)
    web_app[IDENTITY] = identity
    return web_app


def build_services(rolefit: RoleFit, *, settings: Settings | None = None) -> Services:
    """Services for the listeners; with settings, feedback is recorded to ROLEFIT_DB and
    ROLEFIT_EXPERTS_CHANNEL turns on "Ask a person"."""
    services = Services(rolefit=rolefit)
    if settings is not None:
        attach_feedback(services, settings=settings)
        if settings.experts_channel:
            services.rolefit = rolefit.asking_people()
            services.experts_channel = settings.experts_channel
    return services
