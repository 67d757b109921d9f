"""The knowledge model: what the loader builds from the YAML files and every reader uses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from bot.knowledge.decision import Walkthrough

TOPICS: tuple[str, ...] = (
    "definition-pm",
    "definition-tpm",
    "difference",
    "program-vs-product",
    "responsibilities-pm",
    "responsibilities-tpm",
    "skills",
    "kpis",
    "when-hire-pm",
    "when-hire-tpm",
    "hire-both",
    "startups",
    "collaboration",
    "deliverables",
    "career-pm-to-tpm",
    "career-tpm-to-pm",
    "hiring-signals",
    "job-description",
    "salary",
    "myths",
)
SNAPSHOT_AREAS: tuple[str, ...] = (
    "core-focus",
    "discovery",
    "roadmaps",
    "specs",
    "stakeholders",
    "day-to-day",
    "kpis",
    "best-fit",
)
ROLE_KEYS: tuple[str, ...] = ("pm", "tpm")


@dataclass(frozen=True, slots=True)
class Concept:
    id: str
    means: tuple[str, ...]
    outside: bool = False
    """A nearby subject RoleFit does not cover (product owners, prioritisation frameworks)."""
    also: tuple[str, ...] = ()
    """Tokens added next to the id (a Technical Program Manager is also a kind of TPM)."""
    topics: tuple[str, ...] = ()
    """The topics a question asking about this concept is answered from (none: any)."""


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    topic: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    related: tuple[str, ...] = ()
    owner: str | None = None
    reviewed: date | None = None

    @property
    def title(self) -> str:
        return self.question


@dataclass(frozen=True, slots=True)
class JobDescription:
    title: str
    summary: str
    duties: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoleProfile:
    key: str
    name: str
    acronym: str
    summary: str
    focus: str
    responsibilities: tuple[str, ...]
    skills: tuple[str, ...]
    kpis: tuple[str, ...]
    deliverables: tuple[str, ...]
    when_to_hire: tuple[str, ...]
    hiring_signals: tuple[str, ...]
    job_description: JobDescription
    faq: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ComparisonArea:
    id: str
    name: str
    aliases: tuple[str, ...]
    snapshot: bool
    pm: str
    tpm: str
    detail: str
    faq: tuple[str, ...] = ()


@dataclass(frozen=True)
class Knowledge:
    entries: tuple[FaqEntry, ...]
    roles: Mapping[str, RoleProfile]
    shared_skills: tuple[str, ...]
    areas: tuple[ComparisonArea, ...]
    walkthrough: Walkthrough
    source: str
    concepts: tuple[Concept, ...] = ()
    by_id: Mapping[str, FaqEntry] = field(init=False)
    _topics: Mapping[str, tuple[FaqEntry, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {e.id: e for e in self.entries})
        grouped: dict[str, list[FaqEntry]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.topic, []).append(entry)
        topics = MappingProxyType({topic: tuple(group) for topic, group in grouped.items()})
        object.__setattr__(self, "_topics", topics)

    @property
    def snapshot(self) -> tuple[ComparisonArea, ...]:
        order = {area_id: i for i, area_id in enumerate(SNAPSHOT_AREAS)}
        return tuple(sorted((a for a in self.areas if a.snapshot), key=lambda a: order[a.id]))

    def find_area(self, name: str) -> ComparisonArea | None:
        wanted = re.sub(r"[\s_]+", "-", name.strip().lower())
        for area in self.areas:
            keys = {area.id, area.name.lower(), *(a.lower() for a in area.aliases)}
            if wanted in keys or wanted.replace("-", " ") in keys:
                return area
        return None

    def topics(self) -> Mapping[str, tuple[FaqEntry, ...]]:
        """Entries by topic, in file order; built once, since cards read it on every answer."""
        return self._topics
