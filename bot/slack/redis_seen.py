"""A SeenStore shared by every replica: Redis `SET key 1 NX PX ttl`, one round trip per claim.

Several processes behind one URL (or several Socket Mode connections, over which Slack spreads
envelopes) must agree on which delivery of an event, which signature and which click came first;
an atomic SET NX with the window as its TTL does exactly that, and Redis expires the keys itself.

When Redis cannot be reached the claim falls back to a MemorySeen of this process, so requests
keep being answered (de-duplicated per process only) instead of failing; the outage and the
recovery are each logged once.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from bot.slack.dedup import EVENT_MAX_KEYS, EVENT_TTL, MemorySeen

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("rolefit.redis")

CONNECT_TIMEOUT = 1.0
"""Seconds to wait for Redis before claiming in memory: well inside Slack's 3 s."""


def connect(url: str) -> Redis:
    """A pooled asyncio client for REDIS_URL; it connects on first use, so start-up never waits."""
    from redis.asyncio import Redis

    return Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=CONNECT_TIMEOUT,
        health_check_interval=30,
    )


PREFIX = "rolefit:"
"""Before every key, so RoleFit can share a Redis database with other applications."""


class RedisSeen:
    """Keys live `ttl` seconds; the first `first_time` for a key wins in every replica.

    `name` says in log lines what is being de-duplicated (events, signatures, clicks).
    """

    def __init__(self, client: Redis, *, name: str, ttl: float, fallback_max_keys: int) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.client = client
        self.name = name
        self.ttl = ttl
        self.ttl_ms = int(ttl * 1000)
        self.fallback = MemorySeen(ttl=ttl, max_keys=fallback_max_keys)
        self.down = False
        self.recheck_until = 0.0
        """Until then (monotonic), a key Redis grants is checked against the outage's claims."""

    async def first_time(self, key: str) -> bool:
        from redis.exceptions import RedisError

        try:
            claimed = await self.client.set(PREFIX + key, b"1", nx=True, px=self.ttl_ms)
        except (RedisError, OSError) as error:
            if not self.down:
                self.down = True
                logger.error(
                    "Redis unavailable (%s): de-duplicating %s in this process only until it is "
                    "back",
                    type(error).__name__,
                    self.name,
                )
            return self.fallback.claim(key)
        if self.down:
            self.down = False
            self.recheck_until = time.monotonic() + self.ttl
            logger.warning("Redis is back: %s de-duplicated across replicas again", self.name)
        if claimed and time.monotonic() < self.recheck_until:
            return self.fallback.claim(key)  # False if this process claimed it during the outage
        return bool(claimed)


def shared_seen(url: str) -> tuple[RedisSeen, RedisSeen, RedisSeen]:
    """Events, signatures and walkthrough clicks on one Redis client, each with its own window."""
    from bot.slack.server import FRESHNESS, REPLAY_MAX_KEYS
    from bot.slack.services import CLICK_TTL

    client = connect(url)
    return (
        RedisSeen(client, name="events", ttl=EVENT_TTL, fallback_max_keys=EVENT_MAX_KEYS),
        RedisSeen(client, name="signatures", ttl=2 * FRESHNESS, fallback_max_keys=REPLAY_MAX_KEYS),
        RedisSeen(client, name="clicks", ttl=CLICK_TTL, fallback_max_keys=10_000),
    )
