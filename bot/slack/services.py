"""What listeners need besides Slack's own arguments, passed in once at registration."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from bot.cards.replies import Reply, RoleFit
from bot.feedback.home import HomeSection
from bot.feedback.records import (
    ChannelType,
    Draft,
    place_of_click,
    question_from_reply,
    team_of,
    vote_from_click,
)
from bot.feedback.store import FeedbackStore
from bot.feedback.writer import BackgroundStore
from bot.slack.dedup import MemorySeen, SeenStore
from bot.slack.health import Pingable

logger = logging.getLogger("rolefit")

CLICK_TTL = 30.0
"""How long a walkthrough click is remembered, so a double-click acts once."""
CLICK_MAX_KEYS = 10_000


@dataclass
class Services:
    rolefit: RoleFit
    home_sections: list[HomeSection] = field(default_factory=list)
    feedback: BackgroundStore | None = None
    record_question_text: bool = True
    clicks: SeenStore = field(default_factory=lambda: MemorySeen(max_keys=CLICK_MAX_KEYS))
    experts_channel: str | None = None
    """ROLEFIT_EXPERTS_CHANNEL: where "Ask a person" sends questions; None turns it off."""
    place: ChannelType | None = None
    """When set, every record says it came from here (the console: "console")."""
    seen_events: SeenStore | None = None
    """Shared stores (REDIS_URL) for retried events and replayed signatures; None: in memory."""
    seen_signatures: SeenStore | None = None
    stores: dict[str, Pingable] = field(default_factory=dict)
    """The shared stores ("redis", "postgres") by name, for /healthz to report a replica degraded
    while one is down; empty with the defaults (memory and SQLite), which need no check."""

    async def home_extras(self, user_id: str, *, team: str = "") -> list[dict[str, Any]]:
        """Extra App Home blocks that other features contribute for this user in this workspace."""
        blocks: list[dict[str, Any]] = []
        for build in self.home_sections:
            blocks.extend(await build(user_id, team))
        return blocks

    async def record_vote(self, *, body: dict[str, Any], entry_id: str, helpful: bool) -> None:
        """Where "Helpful" / "Not helpful" clicks go: logged, and queued for the store if any."""
        logger.info("vote", extra={"entry": entry_id, "helpful": helpful})
        if self.feedback is None:
            return
        vote = vote_from_click(
            body,
            answer_id=entry_id,
            helpful=helpful,
            at=time.time(),
            place=self.place or place_of_click(body),
        )
        if vote is not None:
            self.feedback.add_vote(vote)

    async def keep_draft(self, draft: Draft) -> bool:
        """Keep an expert's answer for review; False when there is no store or it failed."""
        if self.feedback is None:
            logger.warning("an expert's answer was not kept as a draft: no feedback store")
            return False

        def add(store: FeedbackStore) -> bool:
            store.add_draft(draft)
            return True

        return bool(await self.feedback.write(add))

    def record_question(
        self, *, body: dict[str, Any], channel_type: ChannelType, reply: Reply
    ) -> None:
        """Queue one row per request (verdict, score, topic; text only when unanswered).

        Never blocks and never raises, so it is safe inside an ack.
        """
        if self.feedback is None:
            return
        try:
            question = question_from_reply(
                reply,
                team=team_of(body),
                channel_type=self.place or channel_type,
                keep_text=self.record_question_text,
                at=time.time(),
            )
        except Exception:
            logger.exception("could not record a question")
            return
        self.feedback.add_question(question)
