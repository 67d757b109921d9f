"""slack-sdk's SQLAlchemy installation store and Bolt's authorisation, told apart from an outage.

Bolt's authorisation swallows errors from the store and treats the workspace as not installed,
so a database outage would drop events with a 200 that Slack never retries. Here a failed lookup
is remembered for the request (a context variable) and authorisation raises
InstallationsUnavailable instead, which the listeners' error handler turns into a 503 (events,
clicks: Slack retries) or a polite apology (commands). The module imports SQLAlchemy, so only
distribution mode imports it.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.authorization.authorize_result import AuthorizeResult
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

from bot.slack.oauth import InstallationsUnavailable

logger = logging.getLogger("rolefit.oauth")

_lookup_failure: ContextVar[Exception | None] = ContextVar("rolefit_lookup_failure", default=None)


class Installations(AsyncSQLAlchemyInstallationStore):
    """The slack-sdk store, noting a failed lookup for the authorisation of this request."""

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        try:
            return await super().async_find_bot(**kwargs)
        except Exception as error:
            _lookup_failure.set(error)
            raise


class Authorize(AsyncInstallationStoreAuthorize):
    """Bolt's installation-store authorisation that raises when the store is down."""

    async def __call__(self, **kwargs: Any) -> AuthorizeResult | None:
        _lookup_failure.set(None)
        result: AuthorizeResult | None = await super().__call__(**kwargs)
        failure = _lookup_failure.get()
        if result is None and failure is not None:
            logger.error(
                "installation store unavailable (%s): request not authorised; Slack retries events",
                type(failure).__name__,
            )
            raise InstallationsUnavailable(str(failure)) from failure
        return result
