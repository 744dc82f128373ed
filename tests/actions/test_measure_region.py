"""Measurements no one can type by hand (issue 15): `check` compares the measurements
region with the recorded benchmarks, and a benchmark killed at the timeout refuses the
run like a failing one. Real git repositories, real test runs, real benchmark commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Project, copy_of, prepared

TESTS = "import tags\n\n\ndef test_indexed():\n    assert tags.indexed()\n\n\n" \
        "def test_again():\n    assert tags.indexed()\n"
BENCH = "print('lookup by tag: 12.5 ms')\n"  # a fixed number: this file tests the region, not the timing


def _configure(project: Project, *lines: str) -> None:
    project.write("storykit.toml", project.read("storykit.toml") + "".join(f"{line}\n" for line in lines))


def _build(project: Project) -> None:
    _configure(project, 'benchmarks = ["python bench.py"]', "benchmark_repeats = 2")
    assert project.run("new", "schema-migration", "--title", "Index tags", "--tests", "tests/test_tags.py",
                       "--min-tests", "2").exit_code == 0
    project.write("tests/test_tags.py", TESTS)
    project.write("tags.py", "def indexed():\n    return False\n")
    project.write("bench.py", BENCH)


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _build)


@pytest.fixture
def fresh(fresh_template: Path, tmp_path: Path) -> Project:
    """A schema-migration story with failing tests and a benchmark, not yet run; committed."""
    return copy_of(fresh_template, tmp_path)


def test_a_hand_edited_region_is_an_error_in_check(fresh: Project) -> None:
    assert fresh.run("run-tests", "1").exit_code == 0
    fresh.write("tags.py", "def indexed():\n    return True\n")
    assert fresh.run("run-tests", "1").exit_code == 0
    assert fresh.run("check").exit_code == 0
    path = fresh.story_path()
    text = path.read_text(encoding="utf-8")
    line = "- lookup by tag: 12.5 ms → 12.5 ms (improvement: 0%)\n"
    assert line in text
    path.write_text(text.replace(line, "- lookup by tag: 120.0 ms → 3.1 ms (improvement: 97%)\n"), encoding="utf-8")
    number = text[:text.index("<!-- storykit:measurements:start -->")].count("\n") + 1
    result = fresh.run("check")
    assert result.exit_code == 1
    assert (f"stories/STORY-001-index-tags.md:{number}: SK605 the measurements region does not say what the "
            "recorded benchmarks measured (edited by hand?); storykit writes it from the runs: restore it from git, "
            "or run 'storykit run-tests STORY-001' to measure again\n") in result.stdout


def test_a_region_still_pending_before_any_run_is_fine(fresh: Project) -> None:
    result = fresh.run("check")
    assert result.exit_code == 0 and "SK605" not in result.output, result.output


def test_a_benchmark_killed_at_the_timeout_refuses_and_changes_nothing(fresh: Project) -> None:
    fresh.write("bench.py", "import time\ntime.sleep(60)\n")
    fresh.write("storykit.toml", fresh.read("storykit.toml") + "timeout = 5\n")
    before = fresh.snapshot()
    result = fresh.run("run-tests", "1")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Refused: STORY-001: the benchmark `python bench.py` timed out (run 1 of 2), so nothing was measured or "
        "recorded; fix it (its output: .storykit/logs/STORY-001-benchmarks.log) or remove it from benchmarks")
    assert fresh.snapshot() == before
    assert json.loads(fresh.run("show", "1", "--json").stdout)["story"]["status"] == "not-started"
