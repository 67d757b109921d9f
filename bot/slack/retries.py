"""Riding out rate limits and outages: bounded retries for Web API calls and response_url posts.

The Web API client (and the per-request copies Bolt makes of it, which inherit its handlers)
retries 429 after Retry-After, any 5xx and dropped connections, a few times each. Bolt's
`respond()` posts to response_url with a client that only retries dropped connections; here every
request gets a `respond` with the same handlers, which logs a failed post once (with the
request's ids, see bot/logs.py) instead of raising it into the lazy listener.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.middleware import Next

logger = logging.getLogger("rolefit.delivery")

CONNECTION_RETRIES = 2
RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 2
MAX_RETRY_WAIT = 10.0


class AsyncAnyServerErrorRetryHandler(AsyncRetryHandler):
    """Retries every 5xx (slack_sdk's own handler only retries 500 and 503)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


def error_code(error: Exception) -> str:
    """Slack's error code; a body that is not JSON (a proxy's "bad gateway") names the status."""
    if isinstance(error, SlackApiError):
        data = getattr(error.response, "data", None)
        code = data.get("error") if isinstance(data, dict) else None
        if isinstance(code, str) and code:
            return code[:100]
        return f"http_{getattr(error.response, 'status_code', 0)}"
    return type(error).__name__


def retry_after(value: str | None) -> float:
    """Seconds to wait from a Retry-After header: anything unreadable is 1, anything long is
    MAX_RETRY_WAIT (a caller waiting an hour is a socket and a task held for an hour)."""
    try:
        seconds = float((value or "").strip())
    except ValueError:
        return 1.0
    if not math.isfinite(seconds) or seconds < 0:
        return 1.0
    return min(seconds, MAX_RETRY_WAIT)


class AsyncCappedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, with Retry-After read defensively and capped."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("no response to retry")
        state.next_attempt_requested = True
        values = next(
            (v for k, v in response.headers.items() if k.lower() == "retry-after"), None
        )
        await asyncio.sleep(retry_after(values[0] if values else None))
        state.increment_current_attempt()


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        AsyncCappedRateLimitRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncAnyServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]


class RetryingRespond(AsyncRespond):
    """Bolt's `respond()`, with retries, and a logged failure instead of a raised one."""

    async def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if not self.response_url:
            logger.warning("no response_url to answer through: nothing sent")
            return WebhookResponse(url="", status_code=0, body="", headers={})
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        client = AsyncWebhookClient(
            url=self.response_url, proxy=self.proxy, ssl=self.ssl, retry_handlers=retry_handlers()
        )
        try:
            response = await client.send_dict(message)
        except Exception as error:
            logger.warning("response_url post failed: %s", type(error).__name__)
            return WebhookResponse(url=self.response_url, status_code=0, body="", headers={})
        if response.status_code != 200:
            logger.warning(
                "response_url post failed: HTTP %s %s",
                response.status_code,
                response.body[:100],
                extra={"status": response.status_code},
            )
        return response


class RetryingRespondMiddleware(AsyncMiddleware):
    """Bolt global middleware: this request's `respond` retries (lazy listeners share it); a
    request without a response_url gets one that logs instead of raising."""

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Next
    ) -> BoltResponse:
        context = req.context
        context["respond"] = RetryingRespond(
            response_url=context.response_url,
            proxy=context.client.proxy,
            ssl=context.client.ssl,
        )
        return await next()
