"""The last line of defence: an unexpected error becomes a log line with ids, not a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse

from bot.slack.context import request_ids
from bot.slack.oauth import InstallationsUnavailable
from handlers.messages import SORRY

logger = logging.getLogger("rolefit.handlers")


def register(app: AsyncApp) -> None:
    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        if isinstance(error, BoltUnhandledRequestError):
            ids = request_ids(body or {})
            logger.debug("ignored: no listener for this request", extra={"ids": ids})
            return BoltResponse(status=200, body="")
        if isinstance(error, InstallationsUnavailable):
            # Already logged in one line where it happened. Slack retries events and clicks on a
            # 5xx; a command is not retried, so its author gets the apology now.
            if (body or {}).get("command"):
                return BoltResponse(status=200, body={"response_type": "ephemeral", "text": SORRY})
            return BoltResponse(status=503, body="")
        logger.error(
            "listener failed: %s",
            type(error).__name__,
            exc_info=error,
            extra={"ids": request_ids(body or {})},
        )
        if (body or {}).get("command"):
            return BoltResponse(
                status=200,
                body={"response_type": "ephemeral", "text": SORRY},
            )
        return BoltResponse(status=200, body="")
