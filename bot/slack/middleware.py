"""The one signature every RoleFit Bolt middleware implements, spelled once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.response import BoltResponse

# What Bolt passes a middleware as `next`: calling it runs the rest of the chain.
Next = Callable[[], Awaitable[BoltResponse]]
