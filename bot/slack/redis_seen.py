"""A SeenStore shared by every replica: Redis `SET digest 1 NX PX ttl`, one round trip per claim.

Several processes behind one URL (or several Socket Mode connections, over which Slack spreads
envelopes) must agree on which delivery of an event, which signature and which click came first;
an atomic SET NX with the window as its TTL does exactly that, and Redis expires the keys itself.
Keys are the same fixed-size digests the in-memory store keeps (bot/slack/dedup.py).

When Redis cannot be reached the claim falls back to a MemorySeen of this process, so requests
keep being answered (de-duplicated per process only) instead of failing; the outage and the
recovery are each logged once. A Redis that is out of memory (configured `noeviction`, as a
store of live keys must be) raises StoreFull like the in-memory store, so nothing is forgotten.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from bot.slack.dedup import EVENT_MAX_KEYS, EVENT_TTL, MemorySeen, StoreFull, digest

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("rolefit.redis")

CONNECT_TIMEOUT = 1.0
"""Seconds to wait for Redis before claiming in memory: well inside Slack's 3 s."""

MAX_CONNECTIONS = 64
"""Connections to Redis per process; a burst beyond them waits for a free one (CONNECT_TIMEOUT at
most) rather than failing over to memory, which would de-duplicate per process only."""

PREFIX = b"rolefit:"
"""Before every key, so RoleFit can share a Redis database with other applications."""


def connect(url: str) -> Redis:
    """A pooled asyncio client for REDIS_URL; it connects on first use, so start-up never waits."""
    from redis.asyncio import BlockingConnectionPool, Redis

    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=CONNECT_TIMEOUT,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=CONNECT_TIMEOUT,
        health_check_interval=30,
    )
    return Redis(connection_pool=pool)


class RedisSeen:
    """The first `first_seen` of a key within its window wins in every replica.

    `name` says in log lines what is being de-duplicated (events, signatures, clicks); `window`
    is its longest ttl, for how long after an outage a claim is also checked in memory.
    """

    def __init__(self, client: Redis, *, name: str, window: float, fallback_max_keys: int) -> None:
        self.client = client
        self.name = name
        self.window = window
        self.fallback = MemorySeen(max_keys=fallback_max_keys)
        self.down = False
        self.recheck_until = 0.0
        """Until then (monotonic), a key Redis grants is checked against the outage's claims."""

    async def first_seen(self, key: str, *, ttl: float) -> bool:
        from redis.exceptions import OutOfMemoryError, RedisError

        if ttl <= 0:
            raise ValueError("ttl must be positive")
        try:
            claimed = await self.client.set(
                PREFIX + digest(key), b"1", nx=True, px=max(1, int(ttl * 1000))
            )
        except OutOfMemoryError:
            raise StoreFull(f"Redis is out of memory for {self.name}") from None
        except (RedisError, OSError) as error:
            if not self.down:
                self.down = True
                logger.error(
                    "Redis unavailable (%s): de-duplicating %s in this process only until it is "
                    "back",
                    type(error).__name__,
                    self.name,
                )
            return self.fallback.claim(key, ttl=ttl)
        if self.down:
            self.down = False
            self.recheck_until = time.monotonic() + self.window
            logger.warning("Redis is back: %s de-duplicated across replicas again", self.name)
        if claimed and time.monotonic() < self.recheck_until:
            return self.fallback.claim(key, ttl=ttl)  # False if claimed here during the outage
        return bool(claimed)

    async def ping(self) -> bool:
        """True when Redis answers PING, on the pool the claims use (the caller sets a deadline).

        The claims' own outage state is left alone: they keep falling back and recovering on
        their own, and /healthz logs its view of the outage itself.
        """
        from redis.exceptions import RedisError

        try:
            return bool(await self.client.ping())
        except (RedisError, OSError):
            return False


def shared_seen(url: str) -> tuple[RedisSeen, RedisSeen, RedisSeen]:
    """Events, signatures and walkthrough clicks on one Redis client, each with its own window."""
    from bot.slack.server import FRESHNESS, REPLAY_MAX_KEYS
    from bot.slack.services import CLICK_MAX_KEYS, CLICK_TTL

    client = connect(url)
    return (
        RedisSeen(client, name="events", window=EVENT_TTL, fallback_max_keys=EVENT_MAX_KEYS),
        RedisSeen(
            client, name="signatures", window=2 * FRESHNESS, fallback_max_keys=REPLAY_MAX_KEYS
        ),
        RedisSeen(client, name="clicks", window=CLICK_TTL, fallback_max_keys=CLICK_MAX_KEYS),
    )
