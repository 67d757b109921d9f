"""What gets recorded: a vote on an answer, and one row per request with its verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.cards.replies import Reply
from bot.feedback.redact import redact

ChannelType = Literal["channel", "im", "command", "shortcut", "home", "console"]
"""Where a request came from ("place" in reports); "console" is `rolefit chat`."""

MAX_TEXT_CHARS = 500
MAX_ID_CHARS = 200
UNANSWERED = frozenset({"suggest", "none"})
_ASK_KINDS = frozenset({"answer", "suggest", "none"})


@dataclass(frozen=True, slots=True)
class Vote:
    """One person's opinion of one answer; a later click by the same person replaces it."""

    answer_id: str
    team: str
    user: str
    helpful: bool
    at: float
    place: str = ""


@dataclass(frozen=True, slots=True)
class Question:
    """One request. `text` is kept only for unanswered questions, only when allowed, and
    with secrets redacted (bot.feedback.redact)."""

    at: float
    team: str
    channel_type: str
    command: str
    verdict: str | None = None
    score: float | None = None
    topic: str | None = None
    answer_id: str | None = None
    text: str | None = None

    @property
    def unanswered(self) -> bool:
        return self.verdict in UNANSWERED


@dataclass(frozen=True, slots=True)
class Draft:
    """An expert's answer to a question RoleFit could not answer: kept for review, never served.

    `question` is the expert's (possibly generalised) wording, `asked` the asker's own.
    """

    at: float
    team: str
    expert: str
    expert_name: str
    topic: str
    question: str
    asked: str
    answer: str


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request came from, wherever this payload type keeps it."""
    event = body.get("event") or {}
    team = (
        body.get("team_id")
        or (body.get("team") or {}).get("id")
        or (body.get("user") or {}).get("team_id")
        or event.get("team")
    )
    return str(team or "")


def place_of_click(body: dict[str, Any]) -> ChannelType:
    """Where a button was clicked: a private `/rolefit` reply, the App Home, a DM or a channel."""
    container = body.get("container") or {}
    if container.get("is_ephemeral"):
        return "command"
    if container.get("type") == "view":
        return "home"
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    return "im" if channel.startswith("D") else "channel"


def vote_from_click(
    body: dict[str, Any], *, answer_id: str, helpful: bool, at: float, place: str
) -> Vote | None:
    """The vote a "Helpful" / "Not helpful" click casts, or None without a user or an answer."""
    user = str((body.get("user") or {}).get("id") or "")
    answer_id = answer_id.strip()[:MAX_ID_CHARS]
    if not user or not answer_id:
        return None
    return Vote(
        answer_id=answer_id, team=team_of(body), user=user, helpful=helpful, at=at, place=place
    )


def question_from_reply(
    reply: Reply, *, team: str, channel_type: ChannelType, keep_text: bool, at: float
) -> Question:
    """The row for one reply: command, verdict, best score and topic; text only for gaps."""
    match = reply.match
    command = "ask" if reply.kind in _ASK_KINDS else reply.kind
    verdict = match.verdict if match is not None else None
    best = match.best if match is not None else None
    answered = verdict == "answer" and best is not None
    text = None
    if keep_text and command == "ask" and match is not None and verdict in UNANSWERED:
        text = redact(match.question).strip()[:MAX_TEXT_CHARS] or None
    return Question(
        at=at,
        team=team,
        channel_type=channel_type,
        command=command,
        verdict=verdict,
        score=best.score if best is not None else None,
        topic=best.entry.topic if answered and best is not None else None,
        answer_id=best.entry.id if answered and best is not None else None,
        text=text,
    )
