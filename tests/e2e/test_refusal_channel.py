"""One refusal channel (issue 9): whether a command refuses before its tests run or
after, and whichever command it is, a refusal is one line on stderr and, under
--json, one ``error`` document carrying the run when there was one."""

from __future__ import annotations

import json
from typing import Any

from conftest import Project

ERROR_KEYS = ["version", "kind", "ok", "command", "exit_code", "error", "reason", "hint", "id", "log", "run"]


def document(stdout: str) -> dict[str, Any]:
    doc = json.loads(stdout)
    assert list(doc) == ERROR_KEYS
    assert doc["version"] == 2 and doc["kind"] == "error" and doc["ok"] is False and doc["error"] == "refused"
    assert doc["exit_code"] == 1
    return doc


def green(project: Project) -> None:
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0


def test_run_tests_refused_after_its_run(story: Project) -> None:
    story.tests_file("feature", passing=2)
    before = story.snapshot()
    result = story.run("run-tests", "1", "--json")
    assert result.exit_code == 1
    doc = document(result.stdout)
    assert doc["command"] == "run-tests" and doc["id"] == "STORY-001"
    assert doc["reason"].startswith("tests pass before any implementation: write a failing test first")
    assert doc["log"] == ".storykit/logs/STORY-001-refused.log"
    assert doc["run"]["passed"] == 2 and doc["run"]["exit_code"] == 0
    assert result.stderr.splitlines()[-1] == f"Refused: {doc['reason']} (full log: {doc['log']})"
    assert story.snapshot() == before


def test_complete_refused_after_its_run(story: Project) -> None:
    green(story)
    story.tick_all()
    story.tests_file("feature", failing=1, passing=1)
    story.git("add", "tests/test_feature.py")
    before = story.snapshot()
    result = story.run("complete", "1", "--json")
    assert result.exit_code == 1
    doc = document(result.stdout)
    assert doc["command"] == "complete" and doc["id"] == "STORY-001"
    assert doc["reason"] == "STORY-001 not completed: 1 of 2 tests fail"
    assert doc["log"] == ".storykit/logs/STORY-001-refused.log"
    assert doc["run"]["failed"] == 1 and doc["run"]["exit_code"] == 1
    assert result.stderr.splitlines()[-1] == f"Refused: {doc['reason']} (full log: {doc['log']})"
    text = story.run("complete", "1")
    assert text.exit_code == 1 and text.stderr.splitlines()[-1] == result.stderr.splitlines()[-1]
    assert story.snapshot() == before


def test_refusals_before_any_run_have_the_same_shape(story: Project) -> None:
    complete = document(story.run("complete", "1", "--json").stdout)
    assert complete["command"] == "complete" and complete["id"] == "STORY-001"
    assert complete["run"] is None and complete["log"] is None
    assert complete["reason"] == "STORY-001 is not-started; only a green story can be completed"
    story.write("stories/STORY-002-x.md", story.story().replace("STORY-001", "STORY-002").replace(
        "dependencies: []", "dependencies:\n- STORY-001"))
    run = document(story.run("run-tests", "2", "--json").stdout)
    assert run["command"] == "run-tests" and run["id"] == "STORY-002" and run["run"] is None
    assert run["reason"] == "STORY-002 depends on STORY-001, not done yet"


def test_the_workflow_explains_a_marker_story_that_selected_nothing() -> None:
    """pytest's exit 5 for a story whose tests are those marked @pytest.mark.story:
    the verdict itself says so (it was rewritten after the verdict before)."""
    from storykit.core import workflow
    from storykit.runners.runner import RunResult

    result = RunResult(command=["python", "-m", "pytest"], exit_code=5, duration=0.1)
    verdict = workflow.judge_run("STORY-004", "not-started", result, min_tests=1, allow_skips=False, timeout=None,
                                 red_tests=None, by_marker=True)
    assert verdict.refused
    assert verdict.reason == ("no test is marked @pytest.mark.story(\"STORY-004\") (pytest exit 5: nothing "
                              "selected): mark the story's tests, or list them under 'tests:' in its front matter")
    listed = workflow.judge_run("STORY-004", "not-started", result, min_tests=1, allow_skips=False, timeout=None,
                                red_tests=None)
    assert listed.reason == "no tests were collected (exit 5): check the story's 'tests' paths"
