"""Attaching the feedback store to Services from settings: recording, and the admins' section."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.database import display_name
from bot.feedback.home import Installer, gaps_section
from bot.feedback.store import SqliteStore
from bot.feedback.writer import BackgroundStore
from bot.knowledge.review import REVIEW_DAYS, stale_entries

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.slack.services import Services


def attach_feedback(
    services: Services, *, settings: Settings, installer: Installer | None = None
) -> None:
    """Votes and questions go to DATABASE_URL, else ROLEFIT_DB; admins get "Knowledge gaps".

    The database is opened lazily on the writer thread, so a bad path or a database that is down
    never stops start-up. Admins are ROLEFIT_ADMINS and, in distribution mode, the person who
    installed RoleFit in the workspace (`installer`).
    """
    database_url = settings.database_url
    if database_url:
        from bot.feedback.postgres import PostgresStore

        store = BackgroundStore(
            lambda: PostgresStore.open(database_url), name=display_name(database_url)
        )
        services.stores["postgres"] = store
    elif settings.db_path:
        path = settings.db_path
        store = BackgroundStore(lambda: SqliteStore.open(path), name=path)
    else:
        return
    services.feedback = store
    services.record_question_text = settings.record_questions
    if settings.admins or installer is not None:
        entries = services.rolefit.knowledge.entries
        titles = {entry.id: entry.title for entry in entries}

        def due_for_review() -> int:
            return len(stale_entries(entries, today=date.today(), max_age_days=REVIEW_DAYS))

        services.home_sections.append(
            gaps_section(
                store,
                admins=settings.admins,
                titles=titles,
                due_for_review=due_for_review,
                installer=installer,
            )
        )
