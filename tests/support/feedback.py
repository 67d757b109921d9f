"""Feedback records for the store and report tests."""

from __future__ import annotations

from bot.feedback.records import Question


def asked(
    text: str | None,
    *,
    at: float,
    verdict: str = "none",
    channel_type: str = "command",
    score: float = 12.5,
    topic: str | None = None,
    answer_id: str | None = None,
) -> Question:
    """A question asked in team T1 (`/rolefit` by default)."""
    return Question(
        at=at,
        team="T1",
        channel_type=channel_type,
        command="ask",
        verdict=verdict,
        score=score,
        topic=topic,
        answer_id=answer_id,
        text=text,
    )
