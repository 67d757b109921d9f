"""Who the bot is, learned once at start-up, so that no request ever waits on `auth.test`.

Bolt's single-workspace authorization calls `auth.test` inside the first request's
acknowledgement, with the client's retries: a rate-limited or hanging Web API then costs that
request its 3-second window. Here the token is checked before the app takes requests. A token
Slack refuses for good (`invalid_auth`, `token_revoked`, `account_inactive`, `not_authed`) stops
start-up with one line naming the variable; a network failure, a 429 or a 5xx is logged once,
the app starts anyway, and the check is repeated in the background until it succeeds.
`KnownIdentity` then authorizes every request from what is cached, never from the Web API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.middleware.authorization.async_authorization import AsyncAuthorization
from slack_bolt.middleware.authorization.async_internals import _is_no_auth_required
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.retries import error_code

logger = logging.getLogger("rolefit.identity")

REFUSED = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})
CHECK_TIMEOUT = 5
"""Seconds one start-up check may take (no retries: a later check in the background follows)."""
RECHECK_EVERY = 30.0
"""Seconds between background checks while the first one has not succeeded."""


class TokenRefused(Exception):
    """Slack refused a token for good; the message is the one line to print."""

    def __init__(self, *, variable: str, code: str) -> None:
        super().__init__(
            f"rolefit: Slack refused {variable} ({code}): set it to the app's current token "
            "and start again."
        )


@dataclass
class Identity:
    """The bot's own ids; unknown (None) until a check succeeds."""

    bot_user_id: str | None = None
    bot_id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None
    checked: bool = False


@dataclass(frozen=True)
class TokenCheck:
    """Calling `method` with `token` tells whether Slack takes it (and, for auth.test, who
    the bot is)."""

    token: str | None
    api_url: str
    variable: str
    method: str = "auth.test"

    async def once(self, identity: Identity | None = None) -> bool:
        """True when it worked (filling `identity`), False when Slack could not be asked;
        raises TokenRefused when Slack said the token is no good."""
        client = AsyncWebClient(token=self.token, base_url=self.api_url, timeout=CHECK_TIMEOUT)
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                response = await client.api_call(self.method)
        except Exception as error:
            code = error_code(error)
            if code in REFUSED:
                raise TokenRefused(variable=self.variable, code=code) from None
            logger.warning(
                "could not check %s with Slack (%s): carrying on, checking again in %.0f s",
                self.variable,
                code,
                RECHECK_EVERY,
            )
            return False
        if identity is not None:
            identity.bot_user_id = _text(response.get("user_id"))
            identity.bot_id = _text(response.get("bot_id"))
            identity.team_id = _text(response.get("team_id"))
            identity.enterprise_id = _text(response.get("enterprise_id"))
            identity.checked = True
        return True

    async def until_checked(self, identity: Identity) -> None:
        """Repeat in the background until it works, or until Slack refuses the token."""
        while not identity.checked:
            await asyncio.sleep(RECHECK_EVERY)
            try:
                if await self.once(identity):
                    logger.info("%s checked with Slack", self.variable)
            except TokenRefused as error:
                logger.error("%s", error)
                return

    async def at_start(self, identity: Identity) -> asyncio.Task[None] | None:
        """Check now; when Slack could not be asked, the task that keeps checking."""
        if await self.once(identity):
            return None
        return asyncio.ensure_future(self.until_checked(identity))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class KnownIdentity(AsyncAuthorization):
    """Bolt global middleware standing in for its single-workspace authorization: the result
    comes from the cached identity, so authorizing a request never calls the Web API."""

    def __init__(self, identity: Identity, *, token: str | None) -> None:
        self.identity = identity
        self.token = token

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        if not _is_no_auth_required(req):
            known = self.identity
            req.context.set_authorize_result(
                AuthorizeResult(
                    enterprise_id=known.enterprise_id or req.context.enterprise_id,
                    team_id=known.team_id or req.context.team_id,
                    bot_user_id=known.bot_user_id,
                    bot_id=known.bot_id,
                    bot_token=self.token,
                    user_id=req.context.user_id,
                )
            )
        return await next()
