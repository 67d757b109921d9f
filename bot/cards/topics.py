"""Browsing the knowledge by topic, for people who do not know what to ask."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.cards import refs
from bot.cards.common import Block, Card, actions, context, header, open_button, section
from bot.knowledge.model import FaqEntry

TOPIC_LABELS: dict[str, str] = {
    "definition-pm": "What a PM is",
    "definition-tpm": "What a TPM is",
    "difference": "PM vs TPM",
    "program-vs-product": "Product vs Program Manager",
    "responsibilities-pm": "PM responsibilities",
    "responsibilities-tpm": "TPM responsibilities",
    "skills": "Skills",
    "kpis": "KPIs and metrics",
    "when-hire-pm": "When to hire a PM",
    "when-hire-tpm": "When to hire a TPM",
    "hire-both": "Hiring both",
    "startups": "Startups",
    "collaboration": "Working together",
    "deliverables": "Deliverables",
    "career-pm-to-tpm": "From PM to TPM",
    "career-tpm-to-pm": "From TPM to PM",
    "hiring-signals": "Interviewing and hiring signals",
    "job-description": "Job descriptions",
    "salary": "Salary",
    "myths": "Myths",
}


def topic_buttons(topics: list[str]) -> list[Block]:
    """Topic buttons, 5 to a row so they wrap tidily."""
    rows: list[Block] = []
    for start in range(0, len(topics), 5):
        chunk = topics[start : start + 5]
        rows.append(
            actions(
                *(
                    open_button(TOPIC_LABELS.get(t, t), refs.topic(t), index=start + i)
                    for i, t in enumerate(chunk)
                )
            )
        )
    return rows


def topics_card(*, grouped: Mapping[str, Sequence[FaqEntry]]) -> Card:
    present = [t for t in TOPIC_LABELS if t in grouped]
    blocks: list[Block] = [
        header("What I can answer"),
        section("Pick a topic to see its questions, or just ask in your own words."),
        *topic_buttons(present),
    ]
    text = "Topics: " + ", ".join(TOPIC_LABELS[t] for t in present)
    return Card(text=text, blocks=blocks)


def topic_card(topic: str, *, grouped: Mapping[str, Sequence[FaqEntry]]) -> Card | None:
    entries = grouped.get(topic)
    if not entries:
        return None
    label = TOPIC_LABELS.get(topic, topic)
    shown = entries[:20]
    blocks: list[Block] = [header(label), section(f"{len(entries)} questions on this topic:")]
    for start in range(0, len(shown), 5):
        blocks.append(
            actions(
                *(
                    open_button(e.question, refs.entry(e.id), index=start + i)
                    for i, e in enumerate(shown[start : start + 5])
                )
            )
        )
    blocks.append(context("Type `/rolefit topics` for every topic."))
    return Card(text=f"{label}: " + "; ".join(e.question for e in shown), blocks=blocks)
