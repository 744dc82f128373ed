"""`storykit complete` refuses while the story's own test files (or the modules its
tests import from their folder, and the conftest.py files pytest loads for them) have
changes git would not commit: the completion commit must hold the tests that ran, or
`storykit verify` replays other tests (issue 15).  Real git, real test runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CALC_IMPLEMENTATION, CALC_STUB, Project, copy_of, prepared

TESTS = ("from calc import add\nfrom helpers import EXPECTED\n\n\n"
         "def test_adds():\n    assert add(1, 2) == EXPECTED\n\n\n"
         "def test_zero():\n    assert add(0, 0) == 0\n")


@pytest.fixture(scope="module")
def green(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """STORY-001 green, every box ticked, everything committed: ready to complete."""

    def build(project: Project) -> None:
        config = project.root / "storykit.toml"
        config.write_text(config.read_text() + "whole_suite = false\n")  # the story's tests are the suite here
        assert project.new().exit_code == 0
        project.write("tests/helpers.py", "EXPECTED = 3\n")
        project.write("tests/conftest.py", "")
        project.write("tests/test_feature.py", TESTS)
        project.write("calc.py", CALC_STUB)
        assert project.run("run-tests", "1").exit_code == 0
        project.write("calc.py", CALC_IMPLEMENTATION)
        green = project.run("run-tests", "1")
        assert green.exit_code == 0, green.output
        project.tick_all()

    return prepared(tmp_path_factory, build)


@pytest.fixture
def ready(green: Path, tmp_path: Path) -> Project:
    return copy_of(green, tmp_path)


def head(project: Project) -> str:
    return project.git("rev-parse", "HEAD").strip()


@pytest.mark.parametrize(("change", "listed"), [
    ("edited", "tests/test_feature.py (not staged)"),
    ("deleted-and-staged-then-restored", "tests/test_feature.py (untracked)"),
    ("helper", "tests/helpers.py (not staged)"),
    ("new-helper", "tests/more_helpers.py (untracked)"),
    ("conftest", "tests/conftest.py (not staged)"),
])
def test_complete_refuses_while_the_tests_have_changes_git_would_not_commit(ready: Project, change: str,
                                                                             listed: str) -> None:
    if change == "edited":
        ready.write("tests/test_feature.py", TESTS + "\n# the final version of the tests\n")
    elif change == "deleted-and-staged-then-restored":
        ready.git("rm", "-q", "--cached", "tests/test_feature.py")
    elif change == "helper":
        ready.write("tests/helpers.py", "EXPECTED = 1 + 2\n")
    elif change == "new-helper":
        ready.write("tests/more_helpers.py", "EXPECTED = 3\n")
        ready.write("tests/helpers.py", "from more_helpers import EXPECTED  # noqa: F401\n")
        ready.git("add", "tests/helpers.py")
    else:
        ready.write("tests/conftest.py", "import pytest\n")
    before, sha = ready.snapshot(), head(ready)
    status = ready.git("status", "--porcelain")
    result = ready.run("complete", "1")
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Refused: STORY-001's test files have changes the completion commit would not "
                               f"hold: {listed}; "), lines[0]
    assert lines[0].endswith("'git add' them (the tests that ran must be committed), then run complete again")
    assert ready.snapshot() == before and head(ready) == sha
    assert ready.git("status", "--porcelain") == status


def test_once_added_the_completion_commit_holds_the_tests_that_ran(ready: Project) -> None:
    ready.write("tests/test_feature.py", TESTS + "\n# the final version of the tests\n")
    ready.write("tests/more_helpers.py", "EXPECTED = 3\n")
    ready.git("add", "tests/test_feature.py", "tests/more_helpers.py")
    result = ready.run("complete", "1")
    assert result.exit_code == 0, result.output
    assert ready.git("status", "--porcelain") == ""
    held = ready.git("show", "--name-only", "--format=", "HEAD").split()
    assert {"tests/test_feature.py", "tests/more_helpers.py"} <= set(held)


def test_changes_outside_the_tests_do_not_stop_complete(ready: Project) -> None:
    """Unstaged work elsewhere (another story's tests, a module the tests import from
    outside their folder, notes) is not the story's evidence: complete goes on and
    leaves it as it was."""
    ready.write("README.md", "# sample\n\nwork in progress\n")
    ready.write("tests/test_other.py", "def test_other():\n    assert True\n")
    ready.write("calc.py", CALC_IMPLEMENTATION + "\n# an unstaged comment\n")
    result = ready.run("complete", "1")
    assert result.exit_code == 0, result.output
    assert sorted(ready.git("status", "--porcelain").splitlines()) == [
        " M calc.py", "?? README.md", "?? tests/test_other.py"]


def test_no_commit_completes_without_asking_for_git_add(ready: Project) -> None:
    ready.write("tests/test_feature.py", TESTS + "\n# the final version of the tests\n")
    result = ready.run("complete", "1", "--no-commit")
    assert result.exit_code == 0, result.output
    assert "status: done" in ready.story()
