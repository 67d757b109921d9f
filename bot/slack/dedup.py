"""Doing nothing twice: Slack's retried events are acked and dropped, whatever mode delivers them.

Slack resends an event it did not get a 2xx for within 3 s (at once, after about a minute, after
about five), with the same `event_id`. The first delivery to reach a process claims the id in a
`SeenStore`; any later delivery of that id is acked with an empty 200 and goes no further, even
while the first is still being handled. The same interface records the request signatures the
gate has seen (replay protection, bot/slack/server.py) and walkthrough clicks.

A store never forgets a key before its window ends: when it is full of keys that are all still
live it raises `StoreFull`, and the caller refuses the request (503, so Slack tries again later)
rather than risk doing something twice. Keys are kept as fixed-size digests, so a long id costs
no more memory than a short one. The default store is this process's memory; several processes
behind one URL need a shared one (for example Redis `SET digest 1 NX PX ttl`).
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.middleware import Next

logger = logging.getLogger("rolefit.dedup")

EVENT_TTL = 15 * 60.0
EVENT_MAX_KEYS = 50_000
DIGEST_BYTES = 16


class StoreFull(Exception):
    """Every key in the store is still inside its window: recording another would forget one."""


class SeenStore(Protocol):
    """A record of keys already claimed, each for its own window of `ttl` seconds.

    `first_seen` claims atomically: True for the first caller within the window, False for every
    later one; it raises StoreFull instead of evicting a key whose window has not ended.
    """

    async def first_seen(self, key: str, *, ttl: float) -> bool: ...

    async def ping(self) -> bool:
        """True while the store can be reached (for /healthz)."""
        ...


def digest(key: str) -> bytes:
    """What a store keeps of a key: 16 bytes whatever the key's length."""
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=DIGEST_BYTES).digest()


class MemorySeen:
    """An in-process SeenStore holding at most `max_keys` live digests."""

    def __init__(self, *, max_keys: int, clock: Callable[[], float] = time.monotonic) -> None:
        if max_keys <= 0:
            raise ValueError("max_keys must be positive")
        self.max_keys = max_keys
        self._clock = clock
        self._expiry: dict[bytes, float] = {}
        self._queue: list[tuple[float, bytes]] = []

    def __len__(self) -> int:
        return len(self._expiry)

    def _expire(self, now: float) -> None:
        queue, expiry = self._queue, self._expiry
        while queue and queue[0][0] <= now:
            expires, key = heapq.heappop(queue)
            if expiry.get(key) == expires:
                del expiry[key]

    def claim(self, key: str, *, ttl: float) -> bool:
        """True the first time `key` is seen within its window; StoreFull when there is no room."""
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        now = self._clock()
        self._expire(now)
        short = digest(key)
        if short in self._expiry:
            return False
        if len(self._expiry) >= self.max_keys:
            raise StoreFull(f"{self.max_keys} keys, all still live")
        expires = now + ttl
        self._expiry[short] = expires
        heapq.heappush(self._queue, (expires, short))
        return True

    async def first_seen(self, key: str, *, ttl: float) -> bool:
        return self.claim(key, ttl=ttl)

    async def ping(self) -> bool:
        """This process's memory is always there."""
        return True


def event_key(body: dict[str, Any]) -> str | None:
    """The de-duplication key of an Events API delivery; None for anything Slack does not retry."""
    event_id = body.get("event_id")
    if body.get("type") == "event_callback" and isinstance(event_id, str) and event_id:
        return f"event:{event_id}"
    return None


def _header(req: AsyncBoltRequest, name: str) -> str | None:
    values = req.headers.get(name)
    return values[0] if values else None


class DropRetriedEvents(AsyncMiddleware):
    """Bolt global middleware: the second delivery of an event is acked (200) and stops here.

    It runs after Bolt's request verification, so unsigned requests never claim an id.
    """

    def __init__(self, store: SeenStore | None = None) -> None:
        self.store: SeenStore = store or MemorySeen(max_keys=EVENT_MAX_KEYS)

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Next
    ) -> BoltResponse:
        key = event_key(req.body)
        try:
            first = key is None or await self.store.first_seen(key, ttl=EVENT_TTL)
        except StoreFull:
            logger.warning("event record full: asked Slack to deliver again later")
            return BoltResponse(status=503, body="", headers={"Retry-After": "60"})
        if first:
            return await next()
        reason = _header(req, "x-slack-retry-reason")
        logger.info(
            "duplicate delivery acked and dropped",
            extra={"retry": {"num": _header(req, "x-slack-retry-num"), "reason": reason}},
        )
        return BoltResponse(status=200, body="")
