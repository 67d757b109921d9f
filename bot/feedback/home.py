"""The "Knowledge gaps" section of the App Home, shown to the people in ROLEFIT_ADMINS only."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from bot.cards.common import Block, context, header, section
from bot.cards.mrkdwn import escape, quote_user_text, shorten
from bot.feedback.records import Question, Vote
from bot.feedback.report import Report, build_report
from bot.feedback.store import FeedbackStore
from bot.feedback.writer import BackgroundStore
from bot.knowledge.review import REVIEW_DAYS

WINDOW_DAYS = 30
TOP = 5
QUESTION_CHARS = 150

HomeSection = Callable[[str, str], Awaitable[list[dict[str, Any]]]]
"""Extra App Home blocks for (user id, team id)."""

Installer = Callable[[str], Awaitable[str | None]]
"""The user who installed RoleFit in a workspace (distribution mode), who is its admin."""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _unanswered_lines(report: Report) -> str:
    lines = []
    for rank, group in enumerate(report.top_unanswered[:TOP], 1):
        times = "once" if group.count == 1 else f"{group.count} times"
        wordings = len(group.variants)
        also = f", in {wordings} wordings" if wordings > 1 else ""
        lines.append(
            f"{rank}. {quote_user_text(group.text, limit=QUESTION_CHARS)}  _{times}{also}_"
        )
    if report.unanswered_without_text:
        hidden = _count(report.unanswered_without_text, "unanswered question")
        lead = f"…and {hidden}" if lines else hidden.capitalize()
        lines.append(f"_{lead} whose text was not recorded (ROLEFIT_RECORD_QUESTIONS=0)._")
    return "\n".join(lines) if lines else f"_None in the last {WINDOW_DAYS} days._"


def _least_helpful_lines(report: Report) -> str:
    lines = []
    for rating in [r for r in report.least_helpful if r.not_helpful][:TOP]:
        title = escape(
            shorten(rating.title or f"{rating.answer_id} (no longer in the knowledge)", 120)
        )
        lines.append(
            f"• *{title}*  :thumbsdown: {rating.not_helpful} · "
            f"{rating.helpful_ratio:.0%} helpful of {rating.votes}"
        )
    return "\n".join(lines) if lines else "_No “not helpful” votes yet._"


def review_line(due: int) -> Block:
    """How many entries are due for review, and the command that lists them."""
    entries = _count(due, "knowledge entry") if due == 1 else f"{due} knowledge entries"
    return context(
        f":calendar: {entries} not reviewed in {REVIEW_DAYS} days: "
        f"`rolefit check --stale {REVIEW_DAYS}d`"
    )


def gaps_blocks(report: Report, *, due_for_review: int | None = None) -> list[Block]:
    """The section itself: top unanswered questions, least helpful answers, where to see more."""
    review = [] if due_for_review is None else [review_line(due_for_review)]
    return [
        header("Knowledge gaps"),
        context(
            f":lock: Only RoleFit admins see this. Last {WINDOW_DAYS} days: "
            f"{_count(report.requests, 'request')}, {report.unanswered} unanswered, "
            f"{_count(report.votes, 'vote')}."
        ),
        section("*Top unanswered questions*\n" + _unanswered_lines(report)),
        section("*Least helpful answers*\n" + _least_helpful_lines(report)),
        *review,
        context(f"Full report: `rolefit report --since {WINDOW_DAYS}d`"),
    ]


def unavailable_blocks() -> list[Block]:
    return [
        header("Knowledge gaps"),
        context(
            ":warning: The feedback store cannot be read right now, so knowledge gaps are not "
            "shown. The app's log says why."
        ),
    ]


def _rows(store: FeedbackStore, since: float, team: str) -> tuple[list[Question], list[Vote]]:
    """One workspace's rows when the team is known: an admin of one sees only that one."""
    questions, votes = store.questions(since=since), store.votes(since=since)
    if not team:
        return questions, votes
    return [q for q in questions if q.team == team], [v for v in votes if v.team == team]


def gaps_section(
    store: BackgroundStore,
    *,
    admins: Collection[str],
    titles: Mapping[str, str],
    installer: Installer | None = None,
    clock: Callable[[], float] = time.time,
    due_for_review: Callable[[], int] | None = None,
) -> HomeSection:
    """A `Services.home_sections` entry: the gaps for admins, nothing at all for anyone else."""
    allowed = frozenset(admins)

    async def is_admin(user_id: str, team: str) -> bool:
        if user_id in allowed:
            return True
        return installer is not None and bool(user_id) and await installer(team) == user_id

    async def build(user_id: str, team: str) -> list[dict[str, Any]]:
        if not await is_admin(user_id, team):
            return []
        now = clock()
        since = now - WINDOW_DAYS * 86400
        rows = await store.read(lambda s: _rows(s, since, team))
        if rows is None:
            return unavailable_blocks()
        questions, votes = rows
        report = build_report(questions, votes, since=since, now=now, titles=titles, limit=TOP)
        due = due_for_review() if due_for_review is not None else None
        return gaps_blocks(report, due_for_review=due)

    return build
