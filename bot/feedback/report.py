"""The knowledge-gaps report: pure functions from recorded rows to a summary, text or JSON.

Unanswered questions are grouped when they are near-duplicates: each is normalised with
`text_norm.clean`, and the distinct forms, most frequent first, join the first group whose
leading form scores `fuzz.token_sort_ratio >= GROUP_AT` against them, else start a new group.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rapidfuzz import fuzz, process

from bot.answers.text_norm import clean
from bot.feedback.records import Draft, Question, Vote

GROUP_AT = 85.0
DEFAULT_LIMIT = 10
_SINCE = re.compile(r"(\d{1,5})\s*([mhdw])")
_PERCENT = re.compile(r"\d+%")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Stored text as a terminal may show it: a recorded question could carry escape sequences
    that retitle the window or rewrite what is on screen."""
    return _UNPRINTABLE.sub("\ufffd", text)


def parse_since(text: str) -> float | None:
    """Seconds to look back for "30d", "12h", "90m", "2w"; None for "all". ValueError otherwise."""
    value = text.strip().lower()
    if value == "all":
        return None
    found = _SINCE.fullmatch(value)
    if found is None or int(found.group(1)) == 0:
        raise ValueError(
            f"--since expects a number and a unit (m, h, d or w) such as 7d, 30d, 12h, or all; "
            f"got {text!r}"
        )
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2)]


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Near-duplicate questions: the most asked wording first, every wording with its count."""

    text: str
    count: int
    variants: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class AnswerRating:
    answer_id: str
    title: str | None
    helpful: int
    not_helpful: int

    @property
    def votes(self) -> int:
        return self.helpful + self.not_helpful

    @property
    def helpful_ratio(self) -> float:
        return self.helpful / self.votes if self.votes else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    since: float | None
    until: float
    requests: int
    unanswered: int
    unanswered_without_text: int
    votes: int
    top_unanswered: tuple[QuestionGroup, ...]
    least_helpful: tuple[AnswerRating, ...]
    by_command: tuple[tuple[str, int], ...]
    by_topic: tuple[tuple[str, int], ...]
    by_verdict: tuple[tuple[str, int], ...]
    by_channel: tuple[tuple[str, int], ...]
    drafts: tuple[Draft, ...] = ()


def _key(text: str) -> str:
    return clean(text) or " ".join(text.lower().split())


def group_questions(texts: Iterable[str], *, threshold: float = GROUP_AT) -> list[QuestionGroup]:
    """Greedy clustering by frequency; groups come out largest first, ties alphabetically."""
    counts: Counter[str] = Counter()
    wordings: dict[str, Counter[str]] = {}
    for text in texts:
        shown = " ".join(text.split())
        if not shown:
            continue
        key = _key(shown)
        counts[key] += 1
        wordings.setdefault(key, Counter())[shown] += 1
    leaders: list[str] = []
    members: list[list[str]] = []
    for key in sorted(counts, key=lambda k: (-counts[k], k)):
        found = process.extractOne(
            key, leaders, scorer=fuzz.token_sort_ratio, score_cutoff=threshold
        )
        if found is None:
            leaders.append(key)
            members.append([key])
        else:
            members[found[2]].append(key)
    groups = []
    for keys in members:
        merged: Counter[str] = Counter()
        for key in keys:
            merged.update(wordings[key])
        variants = tuple(sorted(merged.items(), key=lambda item: (-item[1], item[0])))
        groups.append(QuestionGroup(text=variants[0][0], count=merged.total(), variants=variants))
    return sorted(groups, key=lambda g: (-g.count, g.text.lower()))


def rate_answers(
    votes: Iterable[Vote], *, titles: Mapping[str, str] | None = None
) -> list[AnswerRating]:
    """Every voted answer, the most "not helpful" first, then the lowest helpful ratio."""
    helpful: Counter[str] = Counter()
    unhelpful: Counter[str] = Counter()
    for vote in votes:
        (helpful if vote.helpful else unhelpful)[vote.answer_id] += 1
    titles = titles or {}
    ratings = [
        AnswerRating(answer_id=a, title=titles.get(a), helpful=helpful[a], not_helpful=unhelpful[a])
        for a in set(helpful) | set(unhelpful)
    ]
    return sorted(ratings, key=lambda r: (-r.not_helpful, r.helpful_ratio, r.answer_id))


def _ranked(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def build_report(
    questions: Iterable[Question],
    votes: Iterable[Vote],
    *,
    since: float | None,
    now: float,
    titles: Mapping[str, str] | None = None,
    limit: int = DEFAULT_LIMIT,
    threshold: float = GROUP_AT,
    drafts: Iterable[Draft] = (),
) -> Report:
    """Rows from `since` (a Unix time, None for all) to `now`, summarised."""
    questions = [q for q in questions if (since is None or q.at >= since) and q.at <= now]
    votes = [v for v in votes if (since is None or v.at >= since) and v.at <= now]
    unanswered = [q for q in questions if q.unanswered]
    texts = [q.text for q in unanswered if q.text]
    return Report(
        since=since,
        until=now,
        requests=len(questions),
        unanswered=len(unanswered),
        unanswered_without_text=len(unanswered) - len(texts),
        votes=len(votes),
        top_unanswered=tuple(group_questions(texts, threshold=threshold)[:limit]),
        least_helpful=tuple(rate_answers(votes, titles=titles)[:limit]),
        by_command=_ranked(Counter(q.command for q in questions)),
        by_topic=_ranked(Counter(q.topic for q in questions if q.topic)),
        by_verdict=_ranked(Counter(q.verdict for q in questions if q.verdict)),
        by_channel=_ranked(Counter(q.channel_type for q in questions)),
        drafts=tuple(d for d in drafts if (since is None or d.at >= since) and d.at <= now),
    )


def _iso(when: float | None) -> str | None:
    if when is None:
        return None
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def report_json(report: Report) -> dict[str, Any]:
    """The shape of `rolefit report --format json`, stable for scripts."""
    return {
        "since": _iso(report.since),
        "until": _iso(report.until),
        "totals": {
            "requests": report.requests,
            "unanswered": report.unanswered,
            "unanswered_without_text": report.unanswered_without_text,
            "votes": report.votes,
        },
        "top_unanswered": [
            {
                "question": group.text,
                "count": group.count,
                "variants": [{"text": text, "count": count} for text, count in group.variants],
            }
            for group in report.top_unanswered
        ],
        "least_helpful": [
            {
                "id": rating.answer_id,
                "title": rating.title,
                "helpful": rating.helpful,
                "not_helpful": rating.not_helpful,
                "helpful_ratio": round(rating.helpful_ratio, 3),
            }
            for rating in report.least_helpful
        ],
        "usage": {
            "command": dict(report.by_command),
            "topic": dict(report.by_topic),
            "verdict": dict(report.by_verdict),
            "channel_type": dict(report.by_channel),
        },
        "drafts": [
            {
                "answered_at": _iso(draft.at),
                "expert": draft.expert,
                "expert_name": draft.expert_name,
                "topic": draft.topic,
                "question": draft.question,
                "asked": draft.asked,
                "answer": draft.answer,
            }
            for draft in report.drafts
        ],
    }


def table(headers: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> list[str]:
    """Plain-text columns, two spaces apart; columns of numbers (or percentages) align right."""
    raw = [tuple(row) for row in rows]
    cells = [[printable(str(value)) for value in row] for row in raw]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    right = [
        bool(raw)
        and all(isinstance(row[i], int | float) or _PERCENT.fullmatch(str(row[i])) for row in raw)
        for i in range(len(headers))
    ]

    def line(values: list[str]) -> str:
        padded = (
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        )
        return "  ".join(padded).rstrip()

    return [line(list(headers)), line(["-" * w for w in widths]), *(line(row) for row in cells)]


def _window(report: Report) -> str:
    until = _iso(report.until) or ""
    if report.since is None:
        return f"everything recorded, up to {until}"
    return f"{_iso(report.since)} to {until}"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _cut(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def report_text(report: Report) -> str:
    """A readable report for a terminal or an e-mail."""
    lines = [
        f"RoleFit report: {_window(report)}",
        f"{_plural(report.requests, 'request')}, {report.unanswered} unanswered, "
        f"{_plural(report.votes, 'vote')}",
        "",
        "Top unanswered questions",
    ]
    if report.top_unanswered:
        rows = [
            (rank, group.count, len(group.variants), _cut(group.text))
            for rank, group in enumerate(report.top_unanswered, 1)
        ]
        lines += table(("#", "asked", "wordings", "question"), rows)
    else:
        lines.append("(none)")
    if report.unanswered_without_text:
        lines.append(
            f"{report.unanswered_without_text} unanswered without text "
            "(recorded while ROLEFIT_RECORD_QUESTIONS=0)"
        )
    lines += ["", "Least helpful answers"]
    if report.least_helpful:
        least = [
            (
                r.not_helpful,
                r.helpful,
                f"{r.helpful_ratio:.0%}",
                _cut(r.title or f"{r.answer_id} (no longer in the knowledge)"),
            )
            for r in report.least_helpful
        ]
        lines += table(("not helpful", "helpful", "helpful %", "answer"), least)
    else:
        lines.append("(no votes)")
    lines += ["", "Draft answers from experts (not served until reviewed: rolefit drafts export)"]
    if report.drafts:
        rows_d = [
            ((_iso(d.at) or "")[:10], d.topic, _cut(d.expert_name, 20), _cut(d.question, 60))
            for d in report.drafts
        ]
        lines += table(("answered", "topic", "expert", "question"), rows_d)
    else:
        lines.append("(none)")
    for title, name, counts in (
        ("Usage by command", "command", report.by_command),
        ("Usage by topic (answered questions)", "topic", report.by_topic),
        ("Usage by verdict (questions)", "verdict", report.by_verdict),
        ("Usage by place", "place", report.by_channel),
    ):
        lines += ["", title]
        lines += table((name, "count"), counts) if counts else ["(none)"]
    return "\n".join(lines) + "\n"
