"""RED for the right reason, GREEN without games: each rule proven with real pytest
runs in real git repositories (issue 4)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from conftest import Project, copy_of, prepared
from storykit.story import evidence

APP_STUB = "def add(a, b):\n    raise NotImplementedError\n"
APP_DONE = "def add(a, b):\n    return a + b\n"
TESTS = """\
from app import add


def test_add_numbers():
    assert add(1, 2) == 3


def test_add_strings():
    assert add("a", "b") == "ab"


def test_commutes():
    assert add(2, 1) == add(1, 2)
"""


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def _build_red(project: Project) -> None:
    assert project.run("new", "feature", "--title", "Add numbers", "--tests", "tests/test_feature.py",
                       "--min-tests", "3").exit_code == 0
    project.write("app.py", APP_STUB)
    project.write("tests/test_feature.py", TESTS)
    assert project.run("run-tests", "1").exit_code == 0


@pytest.fixture(scope="module")
def red_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _build_red)


@pytest.fixture
def red(red_template: Path, tmp_path: Path) -> Project:
    """STORY-001 red for the right reason: app.add is a stub raising NotImplementedError."""
    return copy_of(red_template, tmp_path)


def test_red_records_node_ids_outcomes_and_exception_types(red: Project) -> None:
    from storykit.story.model import load

    meta = front(red.story())
    run = meta["runs"]["red"]
    assert "tests" not in run  # per-test records live in the evidence file beside the story
    assert load(red.story_path()).runs["red"]["tests"] == {
        "tests/test_feature.py::test_add_numbers": "failed NotImplementedError",
        "tests/test_feature.py::test_add_strings": "failed NotImplementedError",
        "tests/test_feature.py::test_commutes": "failed NotImplementedError",
    }
    assert run["commit"] == red.git("rev-parse", "HEAD~1").strip()  # HEAD when it ran ("storykit init")
    assert run["digest"].startswith("sha256:")


def test_red_shows_why_each_test_failed(red: Project) -> None:
    story = red.story()
    table = story.split("| Test | Outcome | Why |\n| --- | --- | --- |\n", 1)[1].split("\n\n", 1)[0]
    assert table.splitlines() == [
        "| `tests/test_feature.py::test_add_numbers` | failed | NotImplementedError |",
        "| `tests/test_feature.py::test_add_strings` | failed | NotImplementedError |",
        "| `tests/test_feature.py::test_commutes` | failed | NotImplementedError |",
    ]


def test_each_run_stores_commit_and_digest_of_the_test_files(red: Project) -> None:
    red.write("app.py", APP_DONE)
    red.git("add", "-A")
    red.git("commit", "-q", "-m", "implement")
    head = red.git("rev-parse", "HEAD").strip()
    assert red.run("run-tests", "1").exit_code == 0
    green = front(red.story())["runs"]["green"]
    assert green["commit"] == head
    assert green["digest"] == evidence.digest(red.root, ["tests/test_feature.py"])
    red.tick_all()
    red.git("add", "-A")
    assert red.run("complete", "1").exit_code == 0
    final = front(red.story())["runs"]["final"]
    assert final["commit"] == head  # the commit the final run ran at (complete commits after it)
    assert final["digest"] == green["digest"]


def test_implementation_only_green_reports_the_files_changed(red: Project) -> None:
    red.write("app.py", APP_DONE)
    result = red.run("run-tests", "1")
    assert result.exit_code == 0, result.output
    story = red.story()
    assert "- Files modified: `app.py`" in story
    assert "- Lines changed: ~2 lines (+1 −1)" in story
    assert "Tests edited after red" not in story
    changes = front(story)["runs"]["green"]["changes"]
    assert changes["test_files"] == []


def test_test_files_edited_between_red_and_green_are_reported(red: Project) -> None:
    red.write("app.py", APP_DONE)
    red.write("tests/test_feature.py", TESTS.replace('assert add("a", "b") == "ab"', 'assert add("a", "b") == "ab"\n'
                                                     '    assert add(0, 0) == 0'))
    assert red.run("run-tests", "1").exit_code == 0
    story = red.story()
    assert "- ⚠️ Tests edited after red: `tests/test_feature.py` (+1 −0); the diff:" in story
    assert front(story)["runs"]["green"]["changes"]["test_files"] == [
        {"path": "tests/test_feature.py", "added": 1, "deleted": 0}]


SKIPPED = TESTS + "\n\nimport pytest\n\n\n@pytest.mark.skip(reason='later')\ndef test_later():\n    pass\n"


def test_skipped_test_blocks_green_by_default(red: Project) -> None:
    red.write("app.py", APP_DONE)
    red.write("tests/test_feature.py", SKIPPED)
    before = red.snapshot()
    result = red.run("run-tests", "1")
    assert result.exit_code == 1
    assert ("Refused: 1 story test(s) were skipped or xfailed (tests/test_feature.py::test_later): green means no "
            "skipped tests (set allow_skips = true in the config to permit them)") in result.stderr
    assert red.snapshot() == before


def test_xfailed_test_blocks_green_by_default(red: Project) -> None:
    red.write("app.py", APP_DONE)
    red.write("tests/test_feature.py", TESTS + "\n\nimport pytest\n\n\n@pytest.mark.xfail\ndef test_later():\n"
                                               "    assert add(1, 1) == 3\n")
    result = red.run("run-tests", "1")
    assert result.exit_code == 1
    assert "1 story test(s) were skipped or xfailed (tests/test_feature.py::test_later)" in result.stderr


def test_allow_skips_permits_skipped_tests(red: Project) -> None:
    red.write("storykit.toml", red.read("storykit.toml") + "allow_skips = true\n")
    red.write("app.py", APP_DONE)
    red.write("tests/test_feature.py", SKIPPED)
    result = red.run("run-tests", "1")
    assert result.exit_code == 0, result.output
    assert front(red.story())["runs"]["green"]["counts"] == {"passed": 3, "skipped": 1}


def test_skipped_test_blocks_complete(red: Project) -> None:
    red.write("app.py", APP_DONE)
    assert red.run("run-tests", "1").exit_code == 0
    red.tick_all()
    red.write("tests/test_feature.py", SKIPPED)
    red.git("add", "tests/test_feature.py")
    before = red.snapshot()
    result = red.run("complete", "1")
    assert result.exit_code == 1
    assert "STORY-001 not completed: 1 story test(s) were skipped or xfailed" in result.stderr
    assert red.snapshot() == before


def test_tests_failing_at_red_but_missing_at_green_block_it(red: Project) -> None:
    red.write("app.py", APP_DONE)
    red.write("tests/test_feature.py", TESTS.replace("test_add_strings", "test_renamed").replace(
        "def test_commutes", "def test_extra():\n    assert add(0, 0) == 0\n\n\ndef test_commutes"))
    before = red.snapshot()
    result = red.run("run-tests", "1")
    assert result.exit_code == 1
    assert ("Refused: 1 test(s) that failed at red did not run now (tests/test_feature.py::test_add_strings): "
            "restore them, or run red again if they were renamed") in result.stderr
    assert red.snapshot() == before


def test_deselecting_a_red_test_blocks_green(red: Project) -> None:
    red.write("app.py", APP_DONE)
    red.write("tests/test_feature.py", TESTS + "\n\ndef test_more():\n    assert add(2, 2) == 4\n")
    result = red.run("run-tests", "1", "--", "-k", "not commutes")
    assert result.exit_code == 1
    assert "1 test(s) that failed at red did not run now (tests/test_feature.py::test_commutes)" in result.stderr


def test_fewer_than_min_tests_block_green_naming_the_number(red: Project) -> None:
    red.write("app.py", APP_DONE)
    red.write("tests/test_feature.py", TESTS)
    path = red.story_path()
    path.write_text(path.read_text(encoding="utf-8").replace("min_tests: 3", "min_tests: 5"), encoding="utf-8")
    result = red.run("run-tests", "1")
    assert result.exit_code == 1
    assert "only 3 test(s) passed; STORY-001 needs at least 5 (min_tests): write more tests" in result.stderr


def test_a_story_that_cannot_be_rewritten_stops_the_run(project: Project) -> None:
    project.new()
    path = project.story_path()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("### TDD Cycle Evidence\n", "### TDD Cycle Evidence\n\n````\n", 1), encoding="utf-8")
    project.write("tests/test_feature.py", "import time\n\ndef test_slow():\n    time.sleep(60)\n    assert False\n")
    before = project.snapshot()
    started = time.monotonic()
    result = project.run("run-tests", "1")
    assert time.monotonic() - started < 30  # stopped, not waited for
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: STORY-001: in its '## Test Results' section the block opened by '````' is never closed, and "
        "storykit rewrites that whole section; close the block before the next section (or restore the section "
        "from git), then run again\n")
    assert project.snapshot() == before
    assert "status: not-started" in project.story()


def test_a_missing_section_is_refused_before_any_test_runs(project: Project) -> None:
    project.new()
    path = project.story_path()
    path.write_text(path.read_text(encoding="utf-8").replace("## Test Results (MANDATORY)", "## Results"),
                    encoding="utf-8")
    project.write("tests/test_feature.py", "def test_x():\n    assert False\n")
    result = project.run("run-tests", "1")
    assert result.exit_code == 2
    assert "test session starts" not in result.stdout  # pytest never started
    assert "has no '## Test Results' section" in result.stderr
