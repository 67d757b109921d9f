"""Distribution mode: Bolt's OAuth flow with slack-sdk's SQLAlchemy stores on RoleFit's database.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, `/slack/install` and `/slack/oauth_redirect`
run Bolt's install flow (state cookie, `oauth.v2.access` at SLACK_API_URL), installations and
OAuth states live in the same database as feedback (PostgreSQL, else the ROLEFIT_DB file), and
every request is authorised from that store. Bolt refreshes rotating tokens and deletes a
workspace's installation on `app_uninstalled` / `tokens_revoked`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.database import async_url, create_engine, lock_schema

if TYPE_CHECKING:
    from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.config import Settings

logger = logging.getLogger("rolefit.oauth")

STATE_EXPIRATION = 600
"""Seconds an install link's state stays valid: ten minutes to click through Slack's page."""


class InstallationsUnavailable(RuntimeError):
    """The installation store could not be read, so a request cannot be authorised now; the
    listeners' error handler answers 503 (Slack retries events) or apologises (commands)."""


class DatabaseUnavailable(RuntimeError):
    """The OAuth tables could not be prepared at start-up; the message is for the operator."""


@dataclass(frozen=True)
class Distribution:
    """The install flow's settings and the stores behind them, on one engine."""

    engine: AsyncEngine
    installations: AsyncSQLAlchemyInstallationStore
    states: AsyncSQLAlchemyOAuthStateStore
    oauth_settings: AsyncOAuthSettings

    async def create_tables(self) -> None:
        """Create slack-sdk's tables if missing; replicas starting together take turns."""
        try:
            async with self.engine.begin() as conn:
                await lock_schema(conn)
                await conn.run_sync(self.installations.metadata.create_all)
                await conn.run_sync(self.states.metadata.create_all)
        except Exception as error:
            raise DatabaseUnavailable(
                f"cannot create the OAuth tables ({type(error).__name__}: {error})"
            ) from error

    async def installer(self, team_id: str) -> str | None:
        """The user who installed RoleFit in this workspace (an admin of it), if known."""
        if not team_id:
            return None
        try:
            installation = await self.installations.async_find_installation(
                enterprise_id=None, team_id=team_id
            )
        except Exception as error:
            logger.warning("could not look up the installer of %s: %s", team_id, error)
            return None
        return installation.user_id if installation is not None else None

    async def close(self) -> None:
        await self.engine.dispose()


def distribution(settings: Settings) -> Distribution:
    """The OAuth settings for AsyncApp; needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET."""
    from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
    from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.slack.installations import Authorize, Installations

    if not settings.client_id or not settings.client_secret:
        raise ValueError("distribution mode needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    engine = create_engine(
        async_url(database_url=settings.database_url, sqlite_path=settings.db_path)
    )
    installations = Installations(client_id=settings.client_id, engine=engine, logger=logger)
    states = AsyncSQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRATION, engine=engine, logger=logger
    )
    oauth_settings = AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(settings.scopes),
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=states,
        logger=logger,
    )
    # The same authorisation Bolt builds, but it tells an outage from a missing installation, and
    # rotates tokens through SLACK_API_URL (Bolt's own would call slack.com).
    oauth_settings.authorize = Authorize(
        logger=logger,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        token_rotation_expiration_minutes=oauth_settings.token_rotation_expiration_minutes,
        installation_store=installations,
        bot_only=True,
        client=AsyncWebClient(base_url=settings.api_url, timeout=10),
    )
    return Distribution(
        engine=engine, installations=installations, states=states, oauth_settings=oauth_settings
    )
