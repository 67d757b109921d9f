"""The strict loader of the knowledge folder: a folder loads whole or not at all.

Every file is checked with the one toolkit in bot.knowledge.schema; what is left here is each
file's field table and the rules that span entries and files (vocabularies, links, the snapshot).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge.concepts import parse_concepts
from bot.knowledge.decision import parse_walkthrough
from bot.knowledge.model import (
    ROLE_KEYS,
    SNAPSHOT_AREAS,
    TOPICS,
    ComparisonArea,
    FaqEntry,
    JobDescription,
    Knowledge,
    RoleProfile,
)
from bot.knowledge.pings import find_pings
from bot.knowledge.problems import KnowledgeError, Problem
from bot.knowledge.schema import Field, Report, entry_name, raw_id
from bot.knowledge.yaml_source import LineDict, line_of, load_yaml

MAX_ANSWER = 1500
MAX_TITLE = 150
MIN_PHRASINGS = 4
MIN_FAQ_ENTRIES = 60
MAX_OWNER = 80
MAX_FAQ_ID = 64

REQUIRED_FILES = ("faq.yml", "roles.yml", "comparison.yml", "decision.yml")
# concepts.yml (the concept vocabulary) may be left out: there are no concepts then.
FILES = (*REQUIRED_FILES, "concepts.yml")


# A check of the faq ids one entry, role or area refers to, run once every file is read.
_Links = list[Callable[[frozenset[str]], None]]


def _link(links: _Links, node: Any, *, report: Report, entry: str, key: str) -> None:
    """Remember the faq ids under `key`, even when the rest of the node is broken."""
    refs = node.get(key) if isinstance(node, dict) else None
    if not isinstance(refs, list):
        return
    ids = tuple(r.strip() for r in refs if isinstance(r, str) and r.strip())

    def check(declared: frozenset[str]) -> None:
        for rid in ids:
            if key == "related" and rid == entry:
                report.add(node, "an entry cannot be related to itself", entry=rid, key=key)
            elif declared and rid not in declared:
                what = "related id" if key == "related" else "faq id"
                report.add(node, f"{what} '{rid}' does not exist", entry=entry, key=key)

    links.append(check)


# --- faq.yml ------------------------------------------------------------------------------------

_FAQ = {
    "id": Field.ident(MAX_FAQ_ID),
    "topic": Field.text(),
    "question": Field.text(MAX_TITLE),
    "phrasings": Field.texts(min_items=MIN_PHRASINGS, max_len=300),
    "answer": Field.text(MAX_ANSWER),
    "related": Field.texts(required=False),
    "owner": Field.text(MAX_OWNER, required=False),
    "reviewed": Field.day(required=False),
}


@dataclass(frozen=True, slots=True)
class _FaqResult:
    """The valid entries, plus the ids and topics every entry declared, valid or not, so one bad
    entry is reported once and not again by every reference to it."""

    pairs: list[tuple[FaqEntry, LineDict]]
    declared_ids: frozenset[str] = frozenset()
    declared_topics: frozenset[str] = frozenset()


def _label(node: Any, index: int) -> str:
    return entry_name(node, f"#{index + 1}")


def _top_list(data: Any, key: str, report: Report) -> list[Any] | None:
    """The list under a file's only top-level key (faq entries, comparison areas)."""
    items = report.top(data, key)
    if items is not None and not isinstance(items, list):
        report.add(data, f"expected a list of {key}", entry=None, key=key)
        return None
    return items


def _parse_faq(data: Any, report: Report, links: _Links) -> _FaqResult:
    items = _top_list(data, "entries", report)
    if items is None:
        return _FaqResult([])
    first = report.unique_ids(items)
    parsed: list[tuple[FaqEntry, LineDict]] = []
    claimed: set[str] = set()
    for index, node in enumerate(items):
        label = _label(node, index)
        _link(links, node, report=report, entry=label, key="related")
        checked = report.mapping(node, _FAQ, entry=label, what="an entry")
        if checked is None or not checked.ok:
            continue
        values = checked.values
        ok = values["id"] not in claimed
        claimed.add(values["id"])
        if values["topic"] not in TOPICS:
            report.add(
                node,
                f"'{values['topic']}' is not in the topic vocabulary",
                entry=label,
                key="topic",
            )
            ok = False
        if ok:
            entry = FaqEntry(
                id=values["id"],
                topic=values["topic"],
                question=values["question"],
                phrasings=values["phrasings"],
                answer=values["answer"],
                related=values.get("related", ()),
                owner=values.get("owner"),
                reviewed=values.get("reviewed"),
            )
            parsed.append((entry, node))
    if len(items) < MIN_FAQ_ENTRIES:
        report.add(
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

_ITEMS = Field.texts(min_items=1, max_len=300)
_ROLE = {
    "name": Field.text(60),
    "acronym": Field.text(10),
    "summary": Field.text(600),
    "focus": Field.text(300),
    "responsibilities": _ITEMS,
    "skills": _ITEMS,
    "kpis": _ITEMS,
    "deliverables": _ITEMS,
    "when_to_hire": _ITEMS,
    "hiring_signals": _ITEMS,
    "job_description": Field.mapping(),
    "faq": Field.texts(required=False),
}
_JD = {
    "title": Field.text(MAX_TITLE),
    "summary": Field.text(600),
    "duties": _ITEMS,
}
_ROLES_FILE = {"roles": Field.mapping(), "shared_skills": _ITEMS}


def _parse_roles(
    data: Any, report: Report, links: _Links
) -> tuple[dict[str, tuple[RoleProfile, LineDict]], tuple[str, ...]]:
    if not isinstance(data, dict):
        report.add(data, "the file must be a mapping with 'roles' and 'shared_skills'", entry=None)
        return {}, ()
    top = report.mapping(data, _ROLES_FILE, entry=None, what="the file")
    shared: tuple[str, ...] = top.values.get("shared_skills", ()) if top is not None else ()
    roles_node = data.get("roles")
    if not isinstance(roles_node, dict):
        return {}, shared
    result: dict[str, tuple[RoleProfile, LineDict]] = {}
    for key in roles_node:
        if key not in ROLE_KEYS:
            report.problems.append(
                Problem(
                    file=report.file,
                    entry=str(key),
                    line=line_of(roles_node, str(key)),
                    message="unknown role (expected pm and tpm)",
                )
            )
    for key in ROLE_KEYS:
        if key not in roles_node:
            report.add(roles_node, "missing role", entry=key)
            continue
        node = roles_node[key]
        _link(links, node, report=report, entry=key, key="faq")
        checked = report.mapping(node, _ROLE, entry=key, what="a role")
        jd_node = node.get("job_description") if isinstance(node, dict) else None
        jd = (
            report.mapping(jd_node, _JD, entry=f"{key}.job_description", what="a job description")
            if isinstance(jd_node, dict)
            else None
        )
        if checked is None or not checked.ok or jd is None or not jd.ok:
            continue
        values = dict(checked.values)
        values.pop("job_description")
        profile = RoleProfile(
            key=key,
            job_description=JobDescription(**jd.values),
            faq=values.pop("faq", ()),
            **values,
        )
        result[key] = (profile, node)
    return result, shared


# --- comparison.yml -----------------------------------------------------------------------------

_AREA = {
    "id": Field.text(40),
    "name": Field.text(30),
    "aliases": Field.texts(required=False, max_len=40),
    "snapshot": Field.flag(),
    "pm": Field.text(120),
    "tpm": Field.text(120),
    "detail": Field.text(MAX_ANSWER),
    "faq": Field.texts(required=False),
}


def _parse_areas(data: Any, report: Report, links: _Links) -> list[tuple[ComparisonArea, LineDict]]:
    items = _top_list(data, "areas", report)
    if items is None:
        return []
    report.unique_ids(items)
    parsed: list[tuple[ComparisonArea, LineDict]] = []
    claimed: set[str] = set()
    for index, node in enumerate(items):
        _link(links, node, report=report, entry=_label(node, index), key="faq")
        checked = report.mapping(node, _AREA, entry=_label(node, index), what="an area")
        if checked is None or not checked.ok or checked.values["id"] in claimed:
            continue
        claimed.add(checked.values["id"])
        parsed.append((ComparisonArea(**{"aliases": (), "faq": (), **checked.values}), node))
    snapshot = {
        raw_id(node) for node in items if isinstance(node, dict) and node.get("snapshot") is True
    } - {None}
    if items and snapshot != set(SNAPSHOT_AREAS):
        missing = sorted(set(SNAPSHOT_AREAS) - snapshot)
        extra = sorted(s for s in snapshot if s is not None and s not in SNAPSHOT_AREAS)
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"not snapshot areas: {', '.join(extra)}" if extra else "",
            )
            if part
        )
        report.add(
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
    for name in REQUIRED_FILES:
        if name not in present:
            problems.append(Problem(file=name, message=f"missing from {folder}"))
    for name in sorted(present - set(FILES)):
        problems.append(
            Problem(file=name, message=f"unexpected file (expected {', '.join(FILES)})")
        )

    links: _Links = []

    def parse(name: str, parser: Callable[[Any, Report, _Links], Any], default: Any) -> Any:
        if name not in present:
            return default
        data = load_yaml(folder / name, problems)
        if data is None and not any(p.file == name for p in problems):
            problems.append(Problem(file=name, message="is empty"))
        find_pings(data, file=name, problems=problems)
        return (
            default if data is None else parser(data, Report(file=name, problems=problems), links)
        )

    faq_result: _FaqResult = parse("faq.yml", _parse_faq, _FaqResult([]))
    faq = faq_result.pairs
    roles, shared = parse("roles.yml", _parse_roles, ({}, ()))
    areas = parse("comparison.yml", _parse_areas, [])
    walkthrough = parse(
        "decision.yml", lambda d, r, _: parse_walkthrough(d, file=r.file, problems=r.problems), None
    )

    concepts = parse("concepts.yml", lambda d, r, _: parse_concepts(d, r), ())

    ids = faq_result.declared_ids
    for check in links:
        check(ids)
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
        concepts=concepts,
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
