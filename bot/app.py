"""Wiring: the Bolt app, its Web API client and the listeners, built from settings and knowledge."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.replies import RoleFit
from bot.services import Services

logger = logging.getLogger("rolefit")


def build_client(settings: Settings) -> AsyncWebClient:
    """A Web API client that rides out rate limits, 5xx answers and dropped connections."""
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=10,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(*, settings: Settings, services: Services, verify_requests: bool = True) -> AsyncApp:
    """Commands are answered inside the ack (process_before_response); slow work runs lazily."""
    from handlers import register

    app = AsyncApp(
        client=build_client(settings),
        signing_secret=settings.signing_secret if verify_requests else None,
        request_verification_enabled=verify_requests,
        process_before_response=True,
        logger=logging.getLogger("rolefit.bolt"),
    )
    register(app, services=services)
    return app


def build_services(rolefit: RoleFit) -> Services:
    return Services(rolefit=rolefit)
