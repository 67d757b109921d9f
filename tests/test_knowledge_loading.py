"""The knowledge loader is strict and complete: every problem in every file is reported at once,
with file, entry, field and line, and a folder with any problem never loads.

Broken folders are copies of the bundled knowledge with one thing changed, so these tests stay
valid as the content evolves.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge.loader import (
    MAX_ANSWER,
    MAX_TITLE,
    MIN_FAQ_ENTRIES,
    MIN_PHRASINGS,
    bundled_dir,
    collect_problems,
    knowledge_dir,
    load_knowledge,
)
from bot.knowledge.model import SNAPSHOT_AREAS, TOPICS, Knowledge
from bot.knowledge.problems import KnowledgeError, Problem

Data = Any
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A private copy of the bundled knowledge to break."""
    copy = tmp_path / "knowledge"
    shutil.copytree(bundled_dir(), copy)
    return copy


def read(folder: Path, name: str) -> Data:
    return yaml.load((folder / name).read_text(encoding="utf-8"), Loader=_LOADER)


def write(folder: Path, name: str, data: Data) -> str:
    text = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)
    (folder / name).write_text(text, encoding="utf-8")
    return text


def edit(folder: Path, name: str, mutate: Callable[[Data], None]) -> str:
    """Load, change, dump; returns the text written so tests can find lines in it."""
    data = read(folder, name)
    mutate(data)
    return write(folder, name, data)


def problems_of(folder: Path) -> list[Problem]:
    """The problems of a broken folder, checked to come with no knowledge and to make
    load_knowledge raise the very same list."""
    knowledge, problems = collect_problems(folder)
    assert knowledge is None, "a folder with problems must not load"
    assert problems, "a broken folder must report at least one problem"
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(folder)
    assert raised.value.problems == problems
    return problems


def only(problems: list[Problem], *, file: str, entry: str | None, field: str | None) -> Problem:
    """The single problem reported for this place, and no other problem at all."""
    listed = [str(p) for p in problems]
    assert len(problems) == 1, listed
    problem = problems[0]
    assert (problem.file, problem.entry, problem.field) == (file, entry, field), listed
    return problem


def entry_line(text: str, entry_id: str) -> int:
    """1-based line of `- id: <entry_id>` in a file written by `write`."""
    lines = text.splitlines()
    return lines.index(f"- id: {entry_id}") + 1


def key_line(text: str, entry_id: str, key: str) -> int:
    """1-based line of `key:` inside the list entry with this id, in a file written by `write`."""
    lines = text.splitlines()
    start = entry_line(text, entry_id)
    if key == "id":
        return start
    for number, line in enumerate(lines[start:], start + 1):
        if line.startswith("- id: "):
            break
        if line.startswith(f"  {key}:"):
            return number
    raise AssertionError(f"no {key} in entry {entry_id}")


def forget(folder: Path, entry_id: str) -> None:
    """Drop every reference to a faq entry, so a test can take its id away cleanly."""

    def without(refs: list[str] | None) -> list[str]:
        return [r for r in refs or [] if r != entry_id]

    def in_faq(data: Data) -> None:
        for entry in data["entries"]:
            if "related" in entry:
                entry["related"] = without(entry["related"])

    def in_roles(data: Data) -> None:
        for role in data["roles"].values():
            role["faq"] = without(role.get("faq"))

    def in_comparison(data: Data) -> None:
        for area in data["areas"]:
            area["faq"] = without(area.get("faq"))

    edit(folder, "faq.yml", in_faq)
    edit(folder, "roles.yml", in_roles)
    edit(folder, "comparison.yml", in_comparison)


def references(folder: Path) -> Counter[str]:
    """How often each faq id is referenced from related, roles.yml and comparison.yml."""
    refs: Counter[str] = Counter()
    for entry in read(folder, "faq.yml")["entries"]:
        refs.update(entry.get("related") or [])
    for role in read(folder, "roles.yml")["roles"].values():
        refs.update(role.get("faq") or [])
    for area in read(folder, "comparison.yml")["areas"]:
        refs.update(area.get("faq") or [])
    return refs


def spare_entries(folder: Path) -> list[tuple[int, str]]:
    """(index, id) of entries whose topic has other entries, so breaking one of them leaves every
    topic covered and produces exactly one problem."""
    entries = read(folder, "faq.yml")["entries"]
    per_topic = Counter(e["topic"] for e in entries)
    found = [(i, e["id"]) for i, e in enumerate(entries) if per_topic[e["topic"]] > 1]
    assert len(found) >= 2, "most topics of the bundled knowledge have several entries"
    return found


# --- the bundled knowledge ----------------------------------------------------------------------


def test_bundled_knowledge_loads_clean() -> None:
    knowledge, problems = collect_problems(bundled_dir())
    assert problems == []
    assert isinstance(knowledge, Knowledge)
    assert knowledge.source == str(bundled_dir())


def test_bundled_knowledge_meets_the_content_rules() -> None:
    """Read with plain PyYAML, independently of the loader."""
    entries = read(bundled_dir(), "faq.yml")["entries"]
    assert len(entries) >= MIN_FAQ_ENTRIES
    assert {e["topic"] for e in entries} == set(TOPICS)
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        assert len(entry["phrasings"]) >= MIN_PHRASINGS, entry["id"]
        assert len(entry["answer"].strip()) <= MAX_ANSWER, entry["id"]
        assert len(entry["question"]) <= MAX_TITLE, entry["id"]
        assert set(entry.get("related") or []) <= set(ids), entry["id"]
    areas = read(bundled_dir(), "comparison.yml")["areas"]
    assert {a["id"] for a in areas if a["snapshot"]} == set(SNAPSHOT_AREAS)
    assert set(read(bundled_dir(), "roles.yml")["roles"]) == {"pm", "tpm"}


def test_a_copy_rewritten_by_pyyaml_still_loads(folder: Path) -> None:
    """The tests below rewrite files with PyYAML's dumper: that alone breaks nothing."""
    for name in ("faq.yml", "roles.yml", "comparison.yml", "decision.yml"):
        edit(folder, name, lambda data: None)
    knowledge = load_knowledge(folder)
    assert [e.id for e in knowledge.entries] == [e.id for e in load_knowledge().entries]


# --- faq.yml: one problem at a time -------------------------------------------------------------


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda entry: entry.__setitem__(key, value)


FAQ_CASES = [
    # (what is wrong, field, change to the entry, words the message must contain)
    ("topic outside the vocabulary", "topic", _set("topic", "lunch-menu"), "lunch-menu"),
    ("answer too long", "answer", _set("answer", "x" * (MAX_ANSWER + 1)), str(MAX_ANSWER)),
    ("question too long", "question", _set("question", "q" * (MAX_TITLE + 1)), str(MAX_TITLE)),
    (
        "too few phrasings",
        "phrasings",
        lambda e: e.__setitem__("phrasings", e["phrasings"][: MIN_PHRASINGS - 1]),
        f"at least {MIN_PHRASINGS}",
    ),
    ("missing answer", "answer", lambda e: e.pop("answer"), "missing"),
    ("unknown field", "colour", _set("colour", "blue"), "unknown field"),
    ("phrasings not a list", "phrasings", _set("phrasings", "just one"), "list"),
    ("answer not text", "answer", _set("answer", 42), "number"),
    ("empty phrasing", "phrasings", lambda e: e["phrasings"].append("  "), "item"),
    ("related not a list", "related", _set("related", 7), "list"),
    ("related id unknown", "related", _set("related", ["no-such-entry"]), "no-such-entry"),
    ("id not kebab-case", "id", _set("id", "Not_Kebab"), "lowercase"),
]


@pytest.mark.parametrize(
    ("field", "mutate", "words"), [c[1:] for c in FAQ_CASES], ids=[c[0] for c in FAQ_CASES]
)
def test_each_faq_problem_names_file_entry_field_and_line(
    folder: Path, field: str, mutate: Callable[[dict[str, Any]], None], words: str
) -> None:
    index, entry_id = spare_entries(folder)[0]
    forget(folder, entry_id)
    changed: dict[str, Any] = {}

    def change(data: Data) -> None:
        entry = data["entries"][index]
        mutate(entry)
        changed.update(entry)

    text = edit(folder, "faq.yml", change)
    problem = only(problems_of(folder), file="faq.yml", entry=changed["id"], field=field)
    assert words in problem.message
    expected = (
        key_line(text, changed["id"], field)
        if field in changed
        else entry_line(text, changed["id"])
    )
    assert problem.line == expected


def test_an_entry_without_an_id_is_named_by_its_position(folder: Path) -> None:
    index, entry_id = spare_entries(folder)[0]
    forget(folder, entry_id)
    edit(folder, "faq.yml", lambda data: data["entries"][index].pop("id"))
    problem = only(problems_of(folder), file="faq.yml", entry=f"#{index + 1}", field="id")
    assert "missing" in problem.message
    assert problem.line is not None


def test_an_entry_that_is_not_a_mapping_is_reported(folder: Path) -> None:
    index, entry_id = spare_entries(folder)[0]
    forget(folder, entry_id)
    edit(folder, "faq.yml", lambda data: data["entries"].__setitem__(index, "just text"))
    problem = only(problems_of(folder), file="faq.yml", entry=f"#{index + 1}", field=None)
    assert "mapping" in problem.message


def test_duplicate_ids_point_at_the_second_use_and_name_the_first(folder: Path) -> None:
    (_, duplicated), (second, lost) = spare_entries(folder)[:2]
    forget(folder, lost)

    def change(data: Data) -> None:
        data["entries"][second]["id"] = duplicated
        data["entries"][second].pop("related", None)

    text = edit(folder, "faq.yml", change)
    problem = only(problems_of(folder), file="faq.yml", entry=duplicated, field="id")
    assert "duplicate" in problem.message
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line == f"- id: {duplicated}"]
    assert problem.line == lines[1]
    assert f"line {lines[0]}" in problem.message


def test_a_broken_entry_is_reported_once_not_by_everything_that_refers_to_it(
    folder: Path,
) -> None:
    """An entry with a bad topic still exists: links to it are not reported as missing."""
    refs = references(folder)
    index, target = max(spare_entries(folder), key=lambda pair: refs[pair[1]])
    assert refs[target] >= 2, "the bundled knowledge links its entries to each other"
    edit(folder, "faq.yml", lambda d: d["entries"][index].__setitem__("topic", "nope"))
    only(problems_of(folder), file="faq.yml", entry=target, field="topic")


def test_an_entry_related_to_itself_is_reported(folder: Path) -> None:
    index, own = spare_entries(folder)[0]
    edit(folder, "faq.yml", lambda d: d["entries"][index].__setitem__("related", [own]))
    problem = only(problems_of(folder), file="faq.yml", entry=own, field="related")
    assert "itself" in problem.message


def test_a_topic_left_without_entries_is_reported(folder: Path) -> None:
    lonely = "myths"
    entries = read(folder, "faq.yml")["entries"]
    for entry in entries:
        if entry["topic"] == lonely:
            forget(folder, entry["id"])
    edit(
        folder,
        "faq.yml",
        lambda d: d.__setitem__("entries", [e for e in d["entries"] if e["topic"] != lonely]),
    )
    problems = [p for p in problems_of(folder) if p.field != "entries"]
    problem = only(problems, file="faq.yml", entry=None, field="topic")
    assert "no entry covers the topics: myths" in problem.message


def test_too_few_entries_is_reported(folder: Path) -> None:
    """Other problems follow from dropping entries (dangling links); the count is one of them."""
    edit(folder, "faq.yml", lambda d: d.__setitem__("entries", d["entries"][: MIN_FAQ_ENTRIES - 1]))
    counted = [p for p in problems_of(folder) if p.field == "entries"]
    assert [(p.file, p.message) for p in counted] == [
        ("faq.yml", f"has {MIN_FAQ_ENTRIES - 1} entries, needs at least {MIN_FAQ_ENTRIES}")
    ]


def test_unknown_top_level_key_is_reported(folder: Path) -> None:
    edit(folder, "faq.yml", lambda d: d.__setitem__("extras", []))
    problem = only(problems_of(folder), file="faq.yml", entry=None, field="extras")
    assert "unknown top-level key" in problem.message


# --- YAML syntax ----------------------------------------------------------------------------------


def test_yaml_syntax_error_gives_the_line(folder: Path) -> None:
    entry_id = spare_entries(folder)[0][1]
    text = edit(folder, "faq.yml", lambda d: None)
    broken_at = key_line(text, entry_id, "question")
    lines = text.splitlines()
    lines[broken_at - 1] = "  question: what: is this"
    (folder / "faq.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    problem = only(problems_of(folder), file="faq.yml", entry=None, field=None)
    assert problem.message.startswith("YAML syntax error")
    assert problem.line == broken_at


def test_a_repeated_key_is_an_error_not_a_silent_overwrite(folder: Path) -> None:
    entry_id = spare_entries(folder)[0][1]
    text = edit(folder, "faq.yml", lambda d: None)
    topic_at = key_line(text, entry_id, "topic")
    lines = text.splitlines()
    lines.insert(topic_at, "  topic: skills")
    (folder / "faq.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    problem = only(problems_of(folder), file="faq.yml", entry=None, field=None)
    assert "duplicate key 'topic'" in problem.message
    assert f"line {topic_at}" in problem.message
    assert problem.line == topic_at + 1


# --- roles.yml ------------------------------------------------------------------------------------


def test_a_missing_role_is_reported(folder: Path) -> None:
    edit(folder, "roles.yml", lambda d: d["roles"].pop("tpm"))
    problem = only(problems_of(folder), file="roles.yml", entry="tpm", field=None)
    assert "missing role" in problem.message


def test_an_unknown_role_is_reported_at_its_line(folder: Path) -> None:
    text = edit(folder, "roles.yml", lambda d: d["roles"].__setitem__("cto", {"name": "CTO"}))
    problem = only(problems_of(folder), file="roles.yml", entry="cto", field=None)
    assert "unknown role" in problem.message
    assert problem.line == text.splitlines().index("  cto:") + 1


def test_role_problems_are_all_reported_including_the_job_description(folder: Path) -> None:
    def change(data: Data) -> None:
        data["roles"]["pm"]["responsibilities"] = "one long string"
        data["roles"]["tpm"]["skills"].append("s" * 301)
        del data["roles"]["tpm"]["job_description"]["duties"]
        data["roles"]["tpm"]["faq"] = ["no-such-entry"]

    edit(folder, "roles.yml", change)
    problems = problems_of(folder)
    found = {(p.entry, p.field) for p in problems}
    assert found == {
        ("pm", "responsibilities"),
        ("tpm", "skills"),
        ("tpm.job_description", "duties"),
        ("tpm", "faq"),
    }, [str(p) for p in problems]
    assert all(p.file == "roles.yml" and p.line for p in problems)
    faq_ref = next(p for p in problems if p.field == "faq")
    assert "no-such-entry" in faq_ref.message


def test_missing_shared_skills_does_not_hide_role_problems(folder: Path) -> None:
    def change(data: Data) -> None:
        del data["shared_skills"]
        del data["roles"]["pm"]["kpis"]

    edit(folder, "roles.yml", change)
    found = {(p.entry, p.field) for p in problems_of(folder)}
    assert found == {(None, "shared_skills"), ("pm", "kpis")}


# --- comparison.yml -------------------------------------------------------------------------------


def _area_index(folder: Path, *, snapshot: bool) -> int:
    areas = read(folder, "comparison.yml")["areas"]
    return next(i for i, a in enumerate(areas) if a["snapshot"] is snapshot)


def test_snapshot_missing_an_area_is_reported(folder: Path) -> None:
    index = _area_index(folder, snapshot=True)
    name = read(folder, "comparison.yml")["areas"][index]["id"]
    edit(folder, "comparison.yml", lambda d: d["areas"][index].__setitem__("snapshot", False))
    problem = only(problems_of(folder), file="comparison.yml", entry=None, field="areas")
    assert "exactly the 8 areas" in problem.message
    assert f"missing {name}" in problem.message


def test_snapshot_with_an_extra_area_is_reported(folder: Path) -> None:
    index = _area_index(folder, snapshot=False)
    name = read(folder, "comparison.yml")["areas"][index]["id"]
    edit(folder, "comparison.yml", lambda d: d["areas"][index].__setitem__("snapshot", True))
    problem = only(problems_of(folder), file="comparison.yml", entry=None, field="areas")
    assert f"not snapshot areas: {name}" in problem.message


def test_a_snapshot_area_broken_otherwise_is_not_also_missing_from_the_snapshot(
    folder: Path,
) -> None:
    index = _area_index(folder, snapshot=True)
    area = read(folder, "comparison.yml")["areas"][index]["id"]
    text = edit(folder, "comparison.yml", lambda d: d["areas"][index].__setitem__("pm", "c" * 121))
    problem = only(problems_of(folder), file="comparison.yml", entry=area, field="pm")
    assert "120" in problem.message
    assert problem.line == key_line(text, area, "pm")


def test_comparison_faq_reference_must_exist(folder: Path) -> None:
    index = _area_index(folder, snapshot=False)
    area = read(folder, "comparison.yml")["areas"][index]["id"]
    text = edit(folder, "comparison.yml", lambda d: d["areas"][index].__setitem__("faq", ["ghost"]))
    problem = only(problems_of(folder), file="comparison.yml", entry=area, field="faq")
    assert "'ghost' does not exist" in problem.message
    assert problem.line == key_line(text, area, "faq")


def test_duplicate_area_ids_are_reported(folder: Path) -> None:
    areas = read(folder, "comparison.yml")["areas"]
    plain = [i for i, a in enumerate(areas) if not a["snapshot"]]
    first = areas[plain[0]]["id"]
    edit(folder, "comparison.yml", lambda d: d["areas"][plain[1]].__setitem__("id", first))
    problem = only(problems_of(folder), file="comparison.yml", entry=first, field="id")
    assert "duplicate" in problem.message


# --- decision.yml, files and folders ------------------------------------------------------------


def test_decision_problems_reach_the_walkthrough_parser(folder: Path) -> None:
    def change(data: Data) -> None:
        del data["walkthrough"]["questions"][0]["text"]

    edit(folder, "decision.yml", change)
    question = read(folder, "decision.yml")["walkthrough"]["questions"][0]["id"]
    problem = only(problems_of(folder), file="decision.yml", entry=question, field="text")
    assert "missing" in problem.message
    assert problem.line is not None


@pytest.mark.parametrize("name", ["faq.yml", "roles.yml", "comparison.yml", "decision.yml"])
def test_a_missing_file_is_reported(folder: Path, name: str) -> None:
    (folder / name).unlink()
    problems = problems_of(folder)
    missing = [p for p in problems if p.file == name]
    assert len(missing) == 1
    assert "missing" in missing[0].message


def test_an_unexpected_file_and_an_empty_file_are_reported(folder: Path) -> None:
    (folder / "notes.yml").write_text("notes: []\n", encoding="utf-8")
    (folder / "decision.yml").write_text("# nothing yet\n", encoding="utf-8")
    problems = problems_of(folder)
    assert {(p.file, p.message) for p in problems} >= {("decision.yml", "is empty")}
    assert any(p.file == "notes.yml" and "unexpected file" in p.message for p in problems)
    assert len(problems) == 2, [str(p) for p in problems]


def test_a_folder_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    problem = only(
        problems_of(tmp_path / "nowhere"), file=str(tmp_path / "nowhere"), entry=None, field=None
    )
    assert "not a folder" in problem.message


# --- all at once ----------------------------------------------------------------------------------


def test_every_problem_in_every_file_is_reported_at_once(folder: Path) -> None:
    (first, bad_topic), (second, few) = spare_entries(folder)[:2]

    def break_faq(data: Data) -> None:
        data["entries"][first]["topic"] = "astrology"
        data["entries"][second]["phrasings"] = data["entries"][second]["phrasings"][:2]

    edit(folder, "faq.yml", break_faq)
    edit(folder, "roles.yml", lambda d: d["roles"].pop("pm"))
    area = read(folder, "comparison.yml")["areas"][0]["id"]
    edit(folder, "comparison.yml", lambda d: d["areas"][0].__setitem__("tpm", "t" * 500))
    decision = (folder / "decision.yml").read_text(encoding="utf-8")
    (folder / "decision.yml").write_text(decision + "\n  - [unclosed\n", encoding="utf-8")

    problems = problems_of(folder)
    found = {(p.file, p.entry, p.field) for p in problems}
    assert found == {
        ("faq.yml", bad_topic, "topic"),
        ("faq.yml", few, "phrasings"),
        ("roles.yml", "pm", None),
        ("comparison.yml", area, "tpm"),
        ("decision.yml", None, None),
    }, [str(p) for p in problems]
    assert [p.file for p in problems] == sorted(
        (p.file for p in problems),
        key=["faq.yml", "roles.yml", "comparison.yml", "decision.yml"].index,
    )
    summary = KnowledgeError(problems).summary()
    assert summary.startswith("5 problems in the knowledge base:")
    assert all(str(p) in summary for p in problems)


def test_a_problem_reads_as_file_line_entry_field_message() -> None:
    problem = Problem(
        file="faq.yml", line=12, entry="what-is-a-pm", field="answer", message="is too long"
    )
    assert str(problem) == "faq.yml:12, entry what-is-a-pm, field 'answer': is too long"
    assert str(Problem(file="roles.yml", message="is empty")) == "roles.yml: is empty"


# --- another folder -------------------------------------------------------------------------------


def test_rolefit_knowledge_dir_points_the_app_at_another_folder(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = spare_entries(folder)[0][0]
    edit(folder, "faq.yml", lambda d: d["entries"][index].__setitem__("answer", "Our own words."))
    monkeypatch.setenv("ROLEFIT_KNOWLEDGE_DIR", str(folder))
    assert knowledge_dir() == folder
    knowledge = load_knowledge()
    assert knowledge.source == str(folder)
    assert knowledge.entries[index].answer == "Our own words."


def test_without_rolefit_knowledge_dir_the_bundled_folder_is_used() -> None:
    assert knowledge_dir({}) == bundled_dir()
    assert knowledge_dir({"ROLEFIT_KNOWLEDGE_DIR": "  "}) == bundled_dir()
    assert (bundled_dir() / "faq.yml").is_file()


def test_an_area_without_an_id_is_named_by_its_position(folder: Path) -> None:
    index = _area_index(folder, snapshot=False)
    edit(folder, "comparison.yml", lambda d: d["areas"][index].update(id=None, snapshot=True))
    problem = only(problems_of(folder), file="comparison.yml", entry=f"#{index + 1}", field="id")
    assert "missing" in problem.message
