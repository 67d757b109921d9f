"""The shared stores' part of `/healthz`: is each store this replica needs answering now?

Each store checks itself (`ping`: Redis PING, a trivial PostgreSQL query) through the connection
pool the app already uses. Load balancers probe every replica every few seconds, and there may
be several of them, so one round of pings serves every probe for CACHE_SECONDS, and probes that
arrive while a round runs wait for that round instead of starting their own: the stores see at
most one round trip per CACHE_SECONDS whatever the probing. A store going down and coming back
is logged once each, by name only (never its URL).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Protocol

logger = logging.getLogger("rolefit.health")

PING_TIMEOUT = 0.5
"""Seconds a store may take to answer; a load balancer's own timeout is usually a few seconds."""
CACHE_SECONDS = 1.0
"""How long one round of pings answers every probe."""


class Pingable(Protocol):
    """A store that can tell whether it is reachable now; False (or raising) means it is not."""

    async def ping(self) -> bool: ...


class StoreHealth:
    """Called by the health check: each store's name with True while it answers."""

    def __init__(
        self,
        stores: Mapping[str, Pingable],
        *,
        timeout: float = PING_TIMEOUT,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stores = dict(stores)
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._result: dict[str, bool] = {}
        self._fresh_until = float("-inf")
        self._round: asyncio.Future[dict[str, bool]] | None = None
        self._up = dict.fromkeys(self.stores, True)

    async def __call__(self) -> dict[str, bool]:
        if self.clock() < self._fresh_until:
            return self._result
        if self._round is None:
            self._round = asyncio.ensure_future(self._check_all())
        # Shielded: a probe whose client hangs up must not cancel the round others wait for.
        return await asyncio.shield(self._round)

    async def _check_all(self) -> dict[str, bool]:
        try:
            names = list(self.stores)
            answers = await asyncio.gather(*(self._check(self.stores[name]) for name in names))
            result = dict(zip(names, answers, strict=True))
            self._log_changes(result)
            self._result = result
            self._fresh_until = self.clock() + self.cache_seconds
            return result
        finally:
            self._round = None

    async def _check(self, store: Pingable) -> bool:
        try:
            async with asyncio.timeout(self.timeout):
                return bool(await store.ping())
        except Exception:
            return False

    def _log_changes(self, result: Mapping[str, bool]) -> None:
        for name, up in result.items():
            if up == self._up[name]:
                continue
            self._up[name] = up
            if up:
                logger.warning("%s is back: /healthz no longer reports it degraded", name)
            else:
                logger.error(
                    "%s is down (no answer within %g s): /healthz reports it degraded until it"
                    " is back",
                    name,
                    self.timeout,
                )
