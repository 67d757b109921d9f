"""`rolefit check [DIR]`: exit 0 with a one-line summary when the folder is clean, exit 1 with
every problem listed otherwise. Run as a real process, the way authors and CI run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.loader import bundled_dir, collect_problems, load_knowledge
from bot.knowledge.problems import KnowledgeError
from tests.support.cli import broken_knowledge, copy_knowledge, run_rolefit


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    return broken_knowledge(tmp_path / "broken")


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path / "clean")


def expected_report(folder: Path) -> list[str]:
    knowledge, problems = collect_problems(folder)
    assert knowledge is None
    return KnowledgeError(problems).summary().splitlines()


def assert_clean_summary(stdout: str, folder: Path) -> None:
    knowledge = load_knowledge(folder)
    [line] = stdout.splitlines()
    assert line.startswith(f"ok: {folder}: ")
    assert f"{len(knowledge.entries)} questions in {len(knowledge.topics())} topics" in line


def test_check_passes_the_bundled_knowledge() -> None:
    result = run_rolefit("check")
    assert result.returncode == 0, result.stderr
    assert_clean_summary(result.stdout, bundled_dir())
    assert result.stderr == ""


def test_check_lists_every_problem_of_a_folder_and_exits_1(broken: Path) -> None:
    result = run_rolefit("check", str(broken))
    assert result.returncode == 1
    report = result.stderr.splitlines()
    assert report == expected_report(broken)
    assert any("faq.yml" in line and "astrology" in line for line in report)
    assert any("roles.yml" in line and "entry tpm" in line for line in report)
    assert result.stdout == ""


def test_check_uses_rolefit_knowledge_dir(broken: Path, clean: Path) -> None:
    failing = run_rolefit("check", knowledge=broken)
    assert failing.returncode == 1
    assert failing.stderr.splitlines() == expected_report(broken)

    passing = run_rolefit("check", knowledge=clean)
    assert passing.returncode == 0, passing.stderr
    assert_clean_summary(passing.stdout, clean)


def test_a_folder_given_on_the_command_line_wins_over_the_environment(
    broken: Path, clean: Path
) -> None:
    result = run_rolefit("check", str(clean), knowledge=broken)
    assert result.returncode == 0, result.stderr
    assert_clean_summary(result.stdout, clean)


def test_check_of_a_folder_that_does_not_exist_says_so(tmp_path: Path) -> None:
    result = run_rolefit("check", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "1 problem in the knowledge base:",
        f"  - {tmp_path / 'nowhere'}: is not a folder",
    ]
    assert "Traceback" not in result.stderr


def test_the_bundled_folder_is_used_even_from_a_directory_with_its_own_knowledge(
    tmp_path: Path,
) -> None:
    """Python puts the current directory first on the import path; a `knowledge/` folder there
    (a natural name for one's own content) must not replace the bundled one."""
    decoy = tmp_path / "knowledge"
    decoy.mkdir()
    (decoy / "faq.yml").write_text("entries: []\n", encoding="utf-8")
    result = run_rolefit("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_clean_summary(result.stdout, bundled_dir())


def _append_on_first(path: Path, startswith: str, extra: str) -> int:
    """Append `extra` to the first line starting (after indentation) with `startswith`; its line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip().startswith(startswith))
    lines[number] += extra
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1


def test_check_refuses_pings_in_knowledge_texts_with_file_and_line(clean: Path) -> None:
    planted = {
        "faq.yml": _append_on_first(clean / "faq.yml", "question:", " <!channel>"),
        "roles.yml": _append_on_first(clean / "roles.yml", "name:", " <@U012AB3CD>"),
        "comparison.yml": _append_on_first(clean / "comparison.yml", "name:", " <#C0123ABC|x>"),
        "decision.yml": _append_on_first(clean / "decision.yml", "label:", " <!here>"),
    }
    result = run_rolefit("check", str(clean))
    assert result.returncode == 1
    for file, line in planted.items():
        assert any(
            f"{file}:{line}" in row and "notification" in row for row in result.stderr.splitlines()
        ), (file, line, result.stderr)
    assert "<!here>" in result.stderr and "entry pre-pmf" in result.stderr
    assert len([row for row in result.stderr.splitlines() if "notification" in row]) == 4


@pytest.mark.parametrize("text", ["<!everyone>", "<!subteam^S012AB3CD>", "<@W0ABC123|ann>"])
def test_every_kind_of_ping_is_refused(clean: Path, text: str) -> None:
    _append_on_first(clean / "faq.yml", "question:", f" {text}")
    knowledge, problems = collect_problems(clean)
    assert knowledge is None
    [problem] = problems
    assert (problem.file, problem.field) == ("faq.yml", "question")
    assert text in problem.message
