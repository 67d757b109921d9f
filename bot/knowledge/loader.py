"""The knowledge model and its strict loader: a folder loads whole or not at all."""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.knowledge.decision import Walkthrough, parse_walkthrough
from bot.knowledge.pings import find_pings
from bot.knowledge.problems import KnowledgeError, Problem
from bot.knowledge.yaml_source import LineDict, kind_of, line_of, load_yaml

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
MAX_ANSWER = 1500
MAX_TITLE = 150
MIN_PHRASINGS = 4
MIN_FAQ_ENTRIES = 60
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

FILES = ("faq.yml", "roles.yml", "comparison.yml", "decision.yml")


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    topic: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    related: tuple[str, ...] = ()

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


# --- field checking -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Field:
    kind: str  # "str", "strs", "bool", "map"
    required: bool = True
    max_len: int | None = None
    min_items: int = 0


@dataclass(frozen=True, slots=True)
class _Link:
    """Faq ids that an entry, role or area refers to: checked once every file is read."""

    file: str
    entry: str
    field: str
    ids: tuple[str, ...]
    node: Any


class _Checker:
    """Validates one mapping against a field table, recording problems instead of stopping."""

    def __init__(self, problems: list[Problem], file: str, links: list[_Link] | None = None):
        self.problems = problems
        self.file = file
        self.links = links if links is not None else []

    def link(self, node: Any, *, entry: str, key: str) -> None:
        """Remember the faq ids under `key`, even when the rest of the node is broken."""
        refs = node.get(key) if isinstance(node, dict) else None
        if isinstance(refs, list):
            ids = tuple(r.strip() for r in refs if isinstance(r, str) and r.strip())
            self.links.append(_Link(self.file, entry, key, ids, node))

    def problem(
        self, node: Any, message: str, *, entry: str | None, key: str | None = None
    ) -> None:
        self.problems.append(
            Problem(
                file=self.file, entry=entry, field=key, line=line_of(node, key), message=message
            )
        )

    def mapping(
        self, node: Any, spec: Mapping[str, _Field], *, entry: str | None, where: str = ""
    ) -> dict[str, Any] | None:
        if not isinstance(node, dict):
            self.problem(node, f"expected a mapping{where}, got {kind_of(node)}", entry=entry)
            return None
        ok = True
        for key in node:
            if key not in spec:
                self.problem(
                    node, f"unknown field (allowed: {', '.join(spec)})", entry=entry, key=str(key)
                )
                ok = False
        values: dict[str, Any] = {}
        for key, rule in spec.items():
            if key not in node or node[key] is None:
                if rule.required:
                    self.problem(node, "missing required field", entry=entry, key=key)
                    ok = False
                continue
            value = self._value(node, key, node[key], rule, entry)
            if value is None:
                ok = False
            else:
                values[key] = value
        return values if ok else None

    def _value(self, node: Any, key: str, value: Any, rule: _Field, entry: str | None) -> Any:
        if rule.kind == "str":
            if not isinstance(value, str) or not value.strip():
                self.problem(
                    node, f"expected non-empty text, got {kind_of(value)}", entry=entry, key=key
                )
                return None
            text = value.strip()
            if rule.max_len is not None and len(text) > rule.max_len:
                self.problem(
                    node,
                    f"is {len(text)} characters, over the limit of {rule.max_len}",
                    entry=entry,
                    key=key,
                )
                return None
            return text
        if rule.kind == "strs":
            if not isinstance(value, list):
                self.problem(
                    node, f"expected a list of texts, got {kind_of(value)}", entry=entry, key=key
                )
                return None
            bad = [i for i, v in enumerate(value, 1) if not isinstance(v, str) or not v.strip()]
            if bad:
                self.problem(node, f"item {bad[0]} is not a non-empty text", entry=entry, key=key)
                return None
            if len(value) < rule.min_items:
                self.problem(
                    node,
                    f"has {len(value)} items, needs at least {rule.min_items}",
                    entry=entry,
                    key=key,
                )
                return None
            too_long = [
                (i, len(v.strip()))
                for i, v in enumerate(value, 1)
                if rule.max_len is not None and len(v.strip()) > rule.max_len
            ]
            if too_long:
                index, length = too_long[0]
                self.problem(
                    node,
                    f"item {index} is {length} characters, over the limit of {rule.max_len}",
                    entry=entry,
                    key=key,
                )
                return None
            return tuple(v.strip() for v in value)
        if rule.kind == "bool":
            if not isinstance(value, bool):
                self.problem(
                    node, f"expected true or false, got {kind_of(value)}", entry=entry, key=key
                )
                return None
            return value
        if not isinstance(value, dict):
            self.problem(node, f"expected a mapping, got {kind_of(value)}", entry=entry, key=key)
            return None
        return value


def _top(data: Any, key: str, checker: _Checker) -> Any:
    if not isinstance(data, dict):
        checker.problem(data, f"the file must be a mapping with the key '{key}'", entry=None)
        return None
    extra = [k for k in data if k != key]
    for k in extra:
        checker.problem(
            data, f"unknown top-level key (expected only '{key}')", entry=None, key=str(k)
        )
    if key not in data:
        checker.problem(data, "missing top-level key", entry=None, key=key)
        return None
    return data[key]


# --- faq.yml ------------------------------------------------------------------------------------

_FAQ = {
    "id": _Field("str", max_len=64),
    "topic": _Field("str"),
    "question": _Field("str", max_len=MAX_TITLE),
    "phrasings": _Field("strs", min_items=MIN_PHRASINGS, max_len=300),
    "answer": _Field("str", max_len=MAX_ANSWER),
    "related": _Field("strs", required=False),
}


@dataclass(frozen=True, slots=True)
class _FaqResult:
    """The valid entries, plus the ids and topics every entry declared, valid or not, so one bad
    entry is reported once and not again by every reference to it."""

    pairs: list[tuple[FaqEntry, LineDict]]
    declared_ids: frozenset[str] = frozenset()
    declared_topics: frozenset[str] = frozenset()


def _raw_id(node: Any) -> str | None:
    raw_id = node.get("id") if isinstance(node, dict) else None
    return raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else None


def _label(node: Any, index: int) -> str:
    """How problems name an entry: its id when it has one, else its position."""
    return _raw_id(node) or f"#{index + 1}"


def _first_uses(items: list[Any], checker: _Checker) -> dict[str, int | None]:
    """Report every repeated id once, and return where each id is first used."""
    first: dict[str, int | None] = {}
    for node in items:
        raw_id = _raw_id(node)
        if raw_id is None:
            continue
        if raw_id in first:
            checker.problem(
                node, f"duplicate id (first used on line {first[raw_id]})", entry=raw_id, key="id"
            )
        else:
            first[raw_id] = line_of(node, "id")
    return first


def _parse_faq(data: Any, checker: _Checker) -> _FaqResult:
    items = _top(data, "entries", checker)
    if items is None:
        return _FaqResult([])
    if not isinstance(items, list):
        checker.problem(data, "expected a list of entries", entry=None, key="entries")
        return _FaqResult([])
    first = _first_uses(items, checker)
    parsed: list[tuple[FaqEntry, LineDict]] = []
    claimed: set[str] = set()
    for index, node in enumerate(items):
        label = _label(node, index)
        checker.link(node, entry=label, key="related")
        values = checker.mapping(node, _FAQ, entry=label, where=" for an entry")
        if values is None:
            continue
        ok = values["id"] not in claimed
        claimed.add(values["id"])
        if not _ID.match(values["id"]):
            checker.problem(node, "ids are lowercase words joined by '-'", entry=label, key="id")
            ok = False
        if values["topic"] not in TOPICS:
            checker.problem(
                node,
                f"'{values['topic']}' is not in the topic vocabulary",
                entry=label,
                key="topic",
            )
            ok = False
        if ok:
            parsed.append(
                (
                    FaqEntry(
                        id=values["id"],
                        topic=values["topic"],
                        question=values["question"],
                        phrasings=values["phrasings"],
                        answer=values["answer"],
                        related=values.get("related", ()),
                    ),
                    node,
                )
            )
    if len(items) < MIN_FAQ_ENTRIES:
        checker.problem(
            data,
            f"has {len(items)} entries, needs at least {MIN_FAQ_ENTRIES}",
            entry=None,
            key="entries",
        )
    topics = {n.get("topic") for n in items if isinstance(n, dict)}
    return _FaqResult(
        parsed,
        declared_ids=frozenset(first),
        declared_topics=frozenset(t.strip() for t in topics if isinstance(t, str)),
    )


# --- roles.yml ----------------------------------------------------------------------------------

_ROLE = {
    "name": _Field("str", max_len=60),
    "acronym": _Field("str", max_len=10),
    "summary": _Field("str", max_len=600),
    "focus": _Field("str", max_len=300),
    "responsibilities": _Field("strs", min_items=1, max_len=300),
    "skills": _Field("strs", min_items=1, max_len=300),
    "kpis": _Field("strs", min_items=1, max_len=300),
    "deliverables": _Field("strs", min_items=1, max_len=300),
    "when_to_hire": _Field("strs", min_items=1, max_len=300),
    "hiring_signals": _Field("strs", min_items=1, max_len=300),
    "job_description": _Field("map"),
    "faq": _Field("strs", required=False),
}
_JD = {
    "title": _Field("str", max_len=MAX_TITLE),
    "summary": _Field("str", max_len=600),
    "duties": _Field("strs", min_items=1, max_len=300),
}


def _parse_roles(
    data: Any, checker: _Checker
) -> tuple[dict[str, tuple[RoleProfile, LineDict]], tuple[str, ...]]:
    if not isinstance(data, dict):
        checker.problem(
            data, "the file must be a mapping with 'roles' and 'shared_skills'", entry=None
        )
        return {}, ()
    top = checker.mapping(
        data,
        {"roles": _Field("map"), "shared_skills": _Field("strs", min_items=1, max_len=300)},
        entry=None,
    )
    roles_node = data.get("roles")
    if not isinstance(roles_node, dict):
        return {}, ()
    result: dict[str, tuple[RoleProfile, LineDict]] = {}
    for key in roles_node:
        if key not in ROLE_KEYS:
            checker.problems.append(
                Problem(
                    file=checker.file,
                    entry=str(key),
                    line=line_of(roles_node, str(key)),
                    message="unknown role (expected pm and tpm)",
                )
            )
    for key in ROLE_KEYS:
        if key not in roles_node:
            checker.problem(roles_node, "missing role", entry=key)
            continue
        node = roles_node[key]
        checker.link(node, entry=key, key="faq")
        values = checker.mapping(node, _ROLE, entry=key)
        jd_node = node.get("job_description") if isinstance(node, dict) else None
        jd = (
            checker.mapping(jd_node, _JD, entry=f"{key}.job_description")
            if isinstance(jd_node, dict)
            else None
        )
        if values is None or jd is None:
            continue
        profile = RoleProfile(
            key=key,
            job_description=JobDescription(**jd),
            faq=values.pop("faq", ()),
            **{k: v for k, v in values.items() if k != "job_description"},
        )
        result[key] = (profile, node)
    return result, top["shared_skills"] if top is not None else ()


# --- comparison.yml -----------------------------------------------------------------------------

_AREA = {
    "id": _Field("str", max_len=40),
    "name": _Field("str", max_len=30),
    "aliases": _Field("strs", required=False, max_len=40),
    "snapshot": _Field("bool"),
    "pm": _Field("str", max_len=120),
    "tpm": _Field("str", max_len=120),
    "detail": _Field("str", max_len=MAX_ANSWER),
    "faq": _Field("strs", required=False),
}


def _parse_areas(data: Any, checker: _Checker) -> list[tuple[ComparisonArea, LineDict]]:
    items = _top(data, "areas", checker)
    if items is None:
        return []
    if not isinstance(items, list):
        checker.problem(data, "expected a list of areas", entry=None, key="areas")
        return []
    _first_uses(items, checker)
    parsed: list[tuple[ComparisonArea, LineDict]] = []
    claimed: set[str] = set()
    for index, node in enumerate(items):
        checker.link(node, entry=_label(node, index), key="faq")
        values = checker.mapping(node, _AREA, entry=_label(node, index), where=" for an area")
        if values is None or values["id"] in claimed:
            continue
        claimed.add(values["id"])
        values.setdefault("aliases", ())
        values.setdefault("faq", ())
        parsed.append((ComparisonArea(**values), node))
    snapshot = {
        _raw_id(node) for node in items if isinstance(node, dict) and node.get("snapshot") is True
    } - {None}
    if items and snapshot != set(SNAPSHOT_AREAS):
        missing = sorted(set(SNAPSHOT_AREAS) - snapshot)
        extra = sorted(snapshot - set(SNAPSHOT_AREAS))
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"not snapshot areas: {', '.join(extra)}" if extra else "",
            )
            if part
        )
        checker.problem(
            data, f"the snapshot must be exactly the 8 areas ({detail})", entry=None, key="areas"
        )
    return parsed


# --- the folder ---------------------------------------------------------------------------------


def bundled_dir() -> Path:
    """The knowledge shipped with the package, found the same way from a checkout or an install.

    It sits next to the `bot` package in both, so look there first: a `knowledge/` folder in the
    current directory (which Python puts on the import path) must not take its place.
    """
    beside = Path(__file__).resolve().parents[2] / "knowledge"
    if (beside / "faq.yml").is_file():
        return beside
    spec = importlib.util.find_spec("knowledge")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "faq.yml").is_file():
            return Path(location)
    return beside


def knowledge_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    custom = env.get(KNOWLEDGE_VAR, "").strip()
    return Path(custom).expanduser() if custom else bundled_dir()


KNOWLEDGE_VAR = "ROLEFIT_KNOWLEDGE_DIR"


def folder_origin(env: Mapping[str, str] | None = None) -> str | None:
    """The variable that chose the knowledge folder, so a bad path can name what to fix."""
    env = os.environ if env is None else env
    return KNOWLEDGE_VAR if env.get(KNOWLEDGE_VAR, "").strip() else None


def collect_problems(
    folder: Path, *, origin: str | None = None
) -> tuple[Knowledge | None, list[Problem]]:
    """Load a folder and return the knowledge (only when clean) with every problem found."""
    problems: list[Problem] = []
    if not folder.is_dir():
        message = "is not a folder"
        if origin is not None:
            message += f" (set by {origin}: point it at a knowledge folder, or unset it)"
        return None, [Problem(file=str(folder), message=message)]
    present = {p.name for p in folder.glob("*.yml")}
    for name in FILES:
        if name not in present:
            problems.append(Problem(file=name, message=f"missing from {folder}"))
    for name in sorted(present - set(FILES)):
        problems.append(
            Problem(file=name, message=f"unexpected file (expected {', '.join(FILES)})")
        )

    links: list[_Link] = []

    def parse(name: str, parser: Callable[[Any, _Checker], Any], default: Any) -> Any:
        if name not in present:
            return default
        data = load_yaml(folder / name, problems)
        if data is None and not any(p.file == name for p in problems):
            problems.append(Problem(file=name, message="is empty"))
        find_pings(data, file=name, problems=problems)
        return default if data is None else parser(data, _Checker(problems, name, links))

    faq_result: _FaqResult = parse("faq.yml", _parse_faq, _FaqResult([]))
    faq = faq_result.pairs
    roles, shared = parse("roles.yml", _parse_roles, ({}, ()))
    areas = parse("comparison.yml", _parse_areas, [])
    walkthrough = parse(
        "decision.yml", lambda d, c: parse_walkthrough(d, file=c.file, problems=c.problems), None
    )

    ids = faq_result.declared_ids
    for link in links:
        checker = _Checker(problems, link.file)
        for rid in link.ids:
            if link.field == "related" and rid == link.entry:
                checker.problem(
                    link.node, "an entry cannot be related to itself", entry=rid, key=link.field
                )
            elif ids and rid not in ids:
                what = "related id" if link.field == "related" else "faq id"
                checker.problem(
                    link.node, f"{what} '{rid}' does not exist", entry=link.entry, key=link.field
                )
    if ids:
        missing_topics = [t for t in TOPICS if t not in faq_result.declared_topics]
        if missing_topics:
            problems.append(
                Problem(
                    file="faq.yml",
                    field="topic",
                    message=f"no entry covers the topics: {', '.join(missing_topics)}",
                )
            )

    if problems:
        return None, _in_reading_order(problems)
    knowledge = Knowledge(
        entries=tuple(entry for entry, _ in faq),
        roles={key: profile for key, (profile, _) in roles.items()},
        shared_skills=shared,
        areas=tuple(area for area, _ in areas),
        walkthrough=walkthrough,
        source=str(folder),
    )
    return knowledge, []


def _in_reading_order(problems: list[Problem]) -> list[Problem]:
    """File by file in the order the files are loaded, then line by line (file-wide ones first)."""
    rank = {name: i for i, name in enumerate(FILES)}
    return sorted(problems, key=lambda p: (rank.get(p.file, -1), p.line or 0))


def load_knowledge(folder: Path | None = None) -> Knowledge:
    """Load and validate; raise KnowledgeError with every problem, so nothing starts half-loaded."""
    if folder is None:
        knowledge, problems = collect_problems(knowledge_dir(), origin=folder_origin())
    else:
        knowledge, problems = collect_problems(folder)
    if knowledge is None:
        raise KnowledgeError(problems)
    return knowledge
