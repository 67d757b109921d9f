"""What listeners need besides Slack's own arguments, passed in once at registration."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.replies import RoleFit

logger = logging.getLogger("rolefit")

HomeSection = Callable[[str], Awaitable[list[dict[str, Any]]]]


@dataclass
class Services:
    rolefit: RoleFit
    home_sections: list[HomeSection] = field(default_factory=list)

    async def home_extras(self, user_id: str) -> list[dict[str, Any]]:
        """Extra App Home blocks that other features contribute for this user."""
        blocks: list[dict[str, Any]] = []
        for build in self.home_sections:
            blocks.extend(await build(user_id))
        return blocks

    async def record_vote(self, *, body: dict[str, Any], entry_id: str, helpful: bool) -> None:
        """Where "Helpful" / "Not helpful" clicks go; logged until a store is attached."""
        logger.info("vote", extra={"entry": entry_id, "helpful": helpful})
