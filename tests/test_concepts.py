"""The concept vocabulary (knowledge/concepts.yml): rewriting, and `rolefit check` precision."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answers.concepts import Concepts
from bot.answers.matcher import Matcher
from bot.answers.text_norm import clean_words
from bot.knowledge.loader import bundled_dir, collect_problems, load_knowledge
from bot.knowledge.model import Concept, Knowledge
from tests.support.cli import run_rolefit

CONCEPTS = Concepts(
    [
        Concept("salary", ("pay", "comp", "how much do")),
        Concept("tpgm", ("technical program manager", "tpgm"), also=("tpm",)),
        Concept("productowner", ("product owner", "po"), outside=True),
        Concept("kpi", ("measure success",), topics=("kpis",)),
    ]
)


def rewrite(text: str) -> list[str]:
    return CONCEPTS.rewrite(clean_words(text))


def test_words_and_phrases_become_the_concept_longest_first() -> None:
    assert rewrite("How much do PMs get in comp") == ["salary", "pms", "get", "in", "salary"]
    assert rewrite("how do you measure success") == ["how", "do", "you", "kpi"]


def test_plurals_match_and_also_tokens_follow_the_concept() -> None:
    assert rewrite("Technical Program Managers' pays") == ["tpgm", "tpm", "salary"]
    assert rewrite("product owners") == ["productowner"]


def test_outside_and_topics_are_exposed() -> None:
    assert CONCEPTS.outside == frozenset({"productowner"})
    assert CONCEPTS.topics == {"kpi": frozenset({"kpis"})}


def test_words_the_knowledge_never_uses_find_entries(knowledge: Knowledge) -> None:
    """'comp', 'make', 'measure success' are nowhere in the FAQ phrasings; the concepts bring
    them to the entries."""
    matcher = Matcher.of(knowledge)
    paid = matcher.match("how much do technical product managers make")
    assert paid.best is not None and paid.best.entry.topic == "salary"
    success = matcher.match("how do you measure success for a product manager")
    assert success.best is not None and success.best.entry.topic == "kpis"


def test_the_bundled_vocabulary_loads() -> None:
    knowledge = load_knowledge()
    ids = {c.id for c in knowledge.concepts}
    assert {"salary", "kpi", "productowner"} <= ids
    assert "productowner" in Concepts(knowledge.concepts).outside


def test_a_folder_without_concepts_still_loads(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(bundled_dir(), folder)
    (folder / "concepts.yml").unlink()
    knowledge = load_knowledge(folder)
    assert not knowledge.concepts


BROKEN = """\
concepts:
  - id: salary
    means: [pay, comp]
  - id: Two Words
    means: [anything]
  - id: kpi
    means: [metrics, pay]
  - id: myth
    topics: [astrology]
    means: [hype]
  - id: extra
    means: [x]
    colour: blue
  - id: salary
    means: [wage]
"""


def test_every_concept_problem_names_file_entry_field_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(bundled_dir(), folder)
    (folder / "concepts.yml").write_text(BROKEN, encoding="utf-8")
    knowledge, problems = collect_problems(folder)
    assert knowledge is None
    found = {(p.file, p.entry, p.field, p.line) for p in problems}
    assert found == {
        ("concepts.yml", "Two Words", "id", 4),
        ("concepts.yml", "kpi", "means", 7),
        ("concepts.yml", "myth", "topics", 9),
        ("concepts.yml", "extra", "colour", 13),
        ("concepts.yml", "salary", "id", 14),
    }
    messages = " ".join(p.message for p in problems)
    assert "already a meaning of 'salary'" in messages
    assert "'astrology' is not in the topic vocabulary" in messages
    assert "duplicate id (first used on line 2)" in messages


def test_rolefit_check_reports_concept_problems_with_their_line(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(bundled_dir(), folder)
    (folder / "concepts.yml").write_text(BROKEN, encoding="utf-8")
    result = run_rolefit("check", str(folder))
    assert result.returncode == 1
    assert "concepts.yml:9, entry myth, field 'topics'" in result.stderr


@pytest.mark.parametrize("text", ["concepts: []\n", "concepts:\n  - means: [x]\n"])
def test_small_mistakes_do_not_crash_the_check(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(bundled_dir(), folder)
    (folder / "concepts.yml").write_text(text, encoding="utf-8")
    collect_problems(folder)


def test_the_bundled_vocabulary_reads_role_variants_and_experience() -> None:
    """'Technical project manager' is one more reading of TPM; 'how many years' asks about
    experience, not headcount; 'similar' and 'in common' compare."""
    bundled = Concepts(load_knowledge().concepts)
    assert bundled.rewrite(clean_words("technical project managers")) == ["tpgm", "tpm"]
    assert "headcount" not in bundled.rewrite(clean_words("how many years of experience"))
    assert "headcount" in bundled.rewrite(clean_words("how many pms do we need"))
    assert "difference" in bundled.rewrite(clean_words("what do the two roles have in common"))
