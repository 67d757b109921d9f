"""Attaching the feedback store to Services from settings: recording, and the admins' section."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.feedback.home import gaps_section
from bot.feedback.store import SqliteStore
from bot.feedback.writer import BackgroundStore
from bot.knowledge.review import REVIEW_DAYS, stale_entries

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.slack.services import Services


def attach_feedback(services: Services, *, settings: Settings) -> None:
    """Votes and questions go to ROLEFIT_DB; admins get "Knowledge gaps" on their App Home.

    The database is opened lazily on the writer thread, so a bad path never stops start-up.
    """
    if not settings.db_path:
        return
    path = settings.db_path
    store = BackgroundStore(lambda: SqliteStore.open(path), name=path)
    services.feedback = store
    services.record_question_text = settings.record_questions
    if settings.admins:
        entries = services.rolefit.knowledge.entries
        titles = {entry.id: entry.title for entry in entries}

        def due_for_review() -> int:
            return len(stale_entries(entries, today=date.today(), max_age_days=REVIEW_DAYS))

        services.home_sections.append(
            gaps_section(
                store, admins=settings.admins, titles=titles, due_for_review=due_for_review
            )
        )
