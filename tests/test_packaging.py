"""The package works when installed, not only from a checkout: every module and the bundled
knowledge/ must be part of what setuptools builds, and found from there.

A wheel cannot be built offline with every setuptools (before 70.1, `bdist_wheel` needs the
`wheel` package, which a fresh Python 3.11 venv lacks), so this runs setuptools' `build_py`:
the step that decides which modules and data files go into the wheel, writing the same tree a
wheel install puts in site-packages. The built tree is then used from another directory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge.loader import FILES
from bot.knowledge.model import Knowledge
from tests.support.cli import ROOT, clean_env, run_rolefit

pytest.importorskip("setuptools", reason="building the package needs setuptools in this venv")

# Imports every module of the checkout from the built tree and says where each one came from.
_IMPORT_ALL = """
import importlib, json, sys
from bot.knowledge.loader import bundled_dir
found = {name: importlib.import_module(name).__file__ for name in sys.argv[1:]}
print(json.dumps({"modules": found, "bundled": str(bundled_dir())}))
"""


def source_modules() -> list[str]:
    """Every importable module of the checkout's packages (not `__main__`, which runs the CLI)."""
    names: list[str] = []
    for top in ("bot", "handlers"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "__pycache__" in parts or parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as setuptools builds it, from a copy of the checkout (builds write files)."""
    work = tmp_path_factory.mktemp("packaging")
    src = work / "src"
    src.mkdir()
    for path in [ROOT / "pyproject.toml", *ROOT.glob("README*"), *ROOT.glob("LICENSE*")]:
        shutil.copy2(path, src / path.name)
    for top in ("bot", "handlers", "knowledge"):
        shutil.copytree(ROOT / top, src / top, ignore=shutil.ignore_patterns("__pycache__"))
    out = work / "site"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import setuptools; setuptools.setup()",
            "--quiet",
            "build_py",
            "--build-lib",
            str(out),
        ],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    return out


def test_the_build_contains_the_knowledge_files(built: Path) -> None:
    shipped = sorted(p.name for p in (built / "knowledge").glob("*.yml"))
    assert shipped == sorted(FILES)
    for name in FILES:
        assert (built / "knowledge" / name).read_bytes() == (ROOT / "knowledge" / name).read_bytes()


def test_the_build_contains_every_module(built: Path) -> None:
    missing = [
        name
        for name in source_modules()
        if not (built / name.replace(".", "/")).with_suffix(".py").is_file()
        and not (built / name.replace(".", "/") / "__init__.py").is_file()
    ]
    assert missing == [], f"not packaged (see [tool.setuptools] in pyproject.toml): {missing}"


def test_every_module_and_the_knowledge_come_from_the_build(built: Path, tmp_path: Path) -> None:
    """Imported from another directory with only the build on PYTHONPATH: nothing may come from
    the checkout (an editable install of it could otherwise fill in what the build lacks)."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, *source_modules()],
        cwd=tmp_path,
        env={**clean_env(), "PYTHONPATH": str(built)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert Path(report["bundled"]) == built / "knowledge"
    outside = {
        name: file
        for name, file in report["modules"].items()
        if not Path(file).resolve().is_relative_to(built.resolve())
    }
    assert outside == {}


def test_check_and_ask_work_from_the_build(
    built: Path, tmp_path: Path, knowledge: Knowledge
) -> None:
    check = run_rolefit("check", cwd=tmp_path, pythonpath=built)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith(f"ok: {built / 'knowledge'}: ")

    entry = knowledge.entries[-1]
    ask = run_rolefit("ask", "--format", "json", entry.question, cwd=tmp_path, pythonpath=built)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert (answer["answered"], answer["id"]) == (True, entry.id)
