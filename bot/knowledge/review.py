"""Which FAQ entries are due for another look: never reviewed, or reviewed too long ago."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from bot.knowledge.model import FaqEntry

REVIEW_DAYS = 180
"""The age after which the admin App Home counts an entry as due (`rolefit check --stale`)."""


def stale_entries(entries: Iterable[FaqEntry], *, today: date, max_age_days: int) -> list[FaqEntry]:
    """Entries without a review date, then those reviewed longest ago, oldest first."""
    cutoff = today - timedelta(days=max_age_days)
    due = [e for e in entries if e.reviewed is None or e.reviewed < cutoff]
    return sorted(due, key=lambda e: (e.reviewed is not None, e.reviewed or today))


def reviewed_label(entry: FaqEntry) -> str | None:
    """ "Reviewed Nov 2026" for an answer card, or None when the entry has no date."""
    if entry.reviewed is None:
        return None
    return f"Reviewed {entry.reviewed.strftime('%b %Y')}"
