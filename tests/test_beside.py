"""run-tests checks the story's Markdown exactly while the tests run (no test tax),
and stops the run at once when the story cannot be written safely."""

from __future__ import annotations

import time

from conftest import Project


def test_a_story_that_cannot_be_rewritten_stops_the_run(project: Project) -> None:
    project.new()
    path = project.story_path()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("### TDD Cycle Evidence\n", "### TDD Cycle Evidence\n\n````\n", 1), encoding="utf-8")
    project.write("tests/test_feature.py", "import time\n\ndef test_slow():\n    time.sleep(60)\n    assert False\n")
    before = project.snapshot()
    started = time.monotonic()
    result = project.sk("run-tests", "1")
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
    result = project.sk("run-tests", "1")
    assert result.exit_code == 2
    assert "test session starts" not in result.stdout  # pytest never started
    assert "has no '## Test Results' section" in result.stderr
