"""Doing nothing twice: Slack's retried events are acked and dropped, whatever mode delivers them.

Slack resends an event it did not get a 2xx for within 3 s (at once, after about a minute, after
about five), with the same `event_id`. The first delivery to reach a process claims the id in a
`SeenStore`; any later delivery of that id is acked with an empty 200 and goes no further, even
while the first is still being handled. The default store is in memory, bounded and expiring;
several processes behind one URL need a shared one (for example Redis `SET key 1 NX EX ttl`)
behind the same one-method interface.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.middleware import Next

logger = logging.getLogger("rolefit.dedup")

EVENT_TTL = 15 * 60.0
EVENT_MAX_KEYS = 50_000


class SeenStore(Protocol):
    """A record of keys already claimed; `first_time` claims atomically and says who won."""

    async def first_time(self, key: str) -> bool: ...


class MemorySeen:
    """An in-process SeenStore: keys live `ttl` seconds; past `max_keys` the oldest go first.

    All keys share one ttl, so insertion order is expiry order and both trimming rules only ever
    look at the front of the record.
    """

    def __init__(
        self, *, ttl: float, max_keys: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if ttl <= 0 or max_keys <= 0:
            raise ValueError("ttl and max_keys must be positive")
        self.ttl = ttl
        self.max_keys = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def claim(self, key: str) -> bool:
        """True the first time `key` is seen within `ttl`; records it either way."""
        now = self._clock()
        while self._seen:
            oldest, expires = next(iter(self._seen.items()))
            if expires > now:
                break
            del self._seen[oldest]
        if key in self._seen:
            return False
        self._seen[key] = now + self.ttl
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return True

    async def first_time(self, key: str) -> bool:
        return self.claim(key)


def event_key(body: dict[str, Any]) -> str | None:
    """The de-duplication key of an Events API delivery; None for anything Slack does not retry."""
    event_id = body.get("event_id")
    if body.get("type") == "event_callback" and isinstance(event_id, str) and event_id:
        return f"event:{event_id}"
    return None


def _retry_num(req: AsyncBoltRequest) -> str | None:
    values = req.headers.get("x-slack-retry-num") or []
    return values[0] if values else None


class DropRetriedEvents(AsyncMiddleware):
    """Bolt global middleware: the second delivery of an event is acked (200) and stops here.

    It runs after Bolt's request verification, so unsigned requests never claim an id.
    """

    def __init__(self, store: SeenStore | None = None) -> None:
        self.store: SeenStore = store or MemorySeen(ttl=EVENT_TTL, max_keys=EVENT_MAX_KEYS)

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Next
    ) -> BoltResponse:
        key = event_key(req.body)
        if key is None or await self.store.first_time(key):
            return await next()
        reasons = req.headers.get("x-slack-retry-reason") or []
        reason = reasons[0] if reasons else None
        logger.info(
            "duplicate delivery acked and dropped",
            extra={"retry": {"num": _retry_num(req), "reason": reason}},
        )
        return BoltResponse(status=200, body="")
