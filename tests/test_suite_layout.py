"""The test suite mirrors the package: a failing test points at the module it tests."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
# Layers whose every module has fast tests of its own, in tests/<layer>/test_<module>.py.
MIRRORED = ("core", "story", "project", "runners")
FOLDERS = {"core", "story", "project", "runners", "cli", "actions", "e2e", "data"}
# Named by this repository's own done stories (STORY-001..003, STORY-013): they stay where those stories say.
PINNED = {"test_show.py", "test_template_vars.py", "test_rerun_green.py", "test_architecture.py"}


def test_every_module_of_the_pure_layers_has_its_test_file() -> None:
    missing = [f"storykit/{layer}/{module.name} has no tests/{layer}/test_{module.name}"
               for layer in MIRRORED for module in sorted((ROOT / "storykit" / layer).glob("*.py"))
               if module.name != "__init__.py" and not (TESTS / layer / f"test_{module.name}").is_file()]
    assert not missing, "; ".join(missing)


def test_tests_live_in_the_folders_that_mirror_the_package() -> None:
    loose = sorted(p.name for p in TESTS.glob("*.py")
                   if p.name != "conftest.py" and p.name not in PINNED and not p.name.startswith("test_suite_"))
    assert not loose, f"test files directly in tests/ (move each to tests/<layer>/): {', '.join(loose)}"
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))}
    assert folders <= FOLDERS, f"unexpected folders in tests/: {sorted(folders - FOLDERS)}"
    assert (FOLDERS - {"data"}) <= folders, f"missing folders: {sorted(FOLDERS - {'data'} - folders)}"


def test_test_file_names_are_unique_across_folders() -> None:
    """pytest's default import mode imports a test file by its base name (and conftest.py
    by `from conftest import ...`): two files of one name in two folders cannot both load."""
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    twice = sorted(name for name, count in names.items() if count > 1)
    assert not twice, f"test file names used in more than one folder (rename one): {', '.join(twice)}"
