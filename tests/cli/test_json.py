"""--json for agents (issue 6): one JSON document on stdout, nothing else there,
stable documented fields, refusals as documents too, exact exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import Project

DOCS = Path(__file__).resolve().parents[2] / "docs" / "json.md"
STORY_KEYS = ["id", "title", "status", "path", "template", "track", "agent", "estimate", "actual",
              "dependencies", "blocks", "tests", "min_tests", "created", "started", "completed",
              "priority", "labels", "closed_as", "closed_reason", "duplicate_of",
              "claimed_by", "claimed_at"]
RUN_KEYS = ["exit_code", "duration", "timed_out", "counts", "total", "passed", "failed", "tests", "collect_errors"]


def parse(stdout: str) -> dict[str, Any]:
    """stdout must be exactly one JSON document."""
    doc = json.loads(stdout)
    assert isinstance(doc, dict)
    assert list(doc)[:3] == ["version", "kind", "ok"]
    assert doc["version"] == 2
    return doc


def red(project: Project) -> None:
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0


def green(project: Project) -> None:
    red(project)
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0


def test_list_json(project: Project) -> None:
    project.new(title="First", *("--estimate", "1-2 hours"))
    project.new(title="Second", *("--depends", "1"))
    result = project.run("list", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    doc = parse(result.stdout)
    assert doc["kind"] == "list" and doc["ok"] is True
    assert doc["filter"] == {"status": None, "label": [], "agent": None, "priority": []}
    first, second = doc["stories"]
    assert list(first) == STORY_KEYS
    assert first["id"] == "STORY-001" and first["status"] == "not-started"
    assert first["path"] == "stories/STORY-001-first.md"
    assert first["estimate"] == "1-2 hours" and first["blocks"] == ["STORY-002"]
    assert first["tests"] == ["tests/test_feature.py"] and first["min_tests"] == 2
    assert second["dependencies"] == ["STORY-001"] and second["started"] is None

    filtered = parse(project.run("list", "--status", "done", "--json").stdout)
    assert filtered["filter"] == {"status": "done", "label": [], "agent": None, "priority": []}
    assert filtered["stories"] == []


def test_show_json(project: Project) -> None:
    project.new()
    red(project)
    result = project.run("show", "1", "--json")
    assert result.exit_code == 0
    doc = parse(result.stdout)
    story = doc["story"]
    assert doc["kind"] == "show"
    assert list(story) == [*STORY_KEYS, "completed_by", "runs", "unticked", "next", "warnings"]
    assert story["status"] == "red" and story["started"] == story["runs"]["red"]["at"]
    assert list(story["runs"]) == ["red"]
    assert list(story["runs"]["red"]) == ["at", "commit", "command", "exit_code", "duration", "counts", "total", "log"]
    assert story["runs"]["red"]["counts"] == {"failed": 2} and story["runs"]["red"]["exit_code"] == 1
    assert {"number": 1, "section": "Tasks", "item": "Read the code the feature touches"} in story["unticked"]
    assert story["next"] == "implement until the tests pass, then 'storykit run-tests STORY-001'"


def test_run_tests_json_red_as_a_subprocess_keeps_stdout_pure(project: Project) -> None:
    project.new()
    project.tests_file("feature", failing=2)
    result = project.sk("run-tests", "STORY-001", "--json")
    assert result.exit_code == 0, result.stderr
    doc = parse(result.stdout)  # pytest's live output is not on stdout...
    assert "AssertionError: not implemented" in result.stderr  # ...but on stderr
    assert "storykit: STORY-001 is red" in result.stderr
    assert doc["kind"] == "run-tests" and doc["ok"] is True
    assert list(doc) == ["version", "kind", "ok", "id", "path", "status", "phase", "reason", "notes",
                         "log", "commit", "left_out", "run"]
    assert doc["commit"] is None and doc["left_out"] == []
    assert doc["id"] == "STORY-001"
    assert doc["status"] == "red" and doc["phase"] == "red"
    assert doc["reason"] == "STORY-001 is red: 2 of 2 tests fail, as TDD expects before implementing"
    assert doc["log"] == ".storykit/logs/STORY-001-red.log"
    run = doc["run"]
    assert list(run) == RUN_KEYS
    assert run["exit_code"] == 1 and run["counts"] == {"failed": 2} and run["total"] == 2 and run["failed"] == 2
    assert run["tests"][0]["id"] == "tests/test_feature.py::test_feature_0"
    assert run["tests"][0]["outcome"] == "failed"
    assert run["tests"][0]["detail"] == "AssertionError"


def test_run_tests_json_refused_run_exits_1_with_a_document(project: Project) -> None:
    project.new()
    project.tests_file("feature", passing=2)
    before = project.snapshot()
    result = project.sk("run-tests", "1", "--json")
    assert result.exit_code == 1
    doc = parse(result.stdout)
    assert doc["kind"] == "error" and doc["ok"] is False and doc["error"] == "refused"  # one refusal channel
    assert doc["id"] == "STORY-001" and doc["log"] == ".storykit/logs/STORY-001-refused.log"
    assert doc["reason"].startswith("tests pass before any implementation: write a failing test first")
    assert doc["run"]["passed"] == 2
    assert "Refused: tests pass before any implementation" in result.stderr
    assert project.snapshot() == before


def test_refusal_and_error_become_error_documents(project: Project) -> None:
    project.new()
    refused = project.run("complete", "1", "--json")
    assert refused.exit_code == 1
    doc = parse(refused.stdout)
    assert doc == {"version": 2, "kind": "error", "ok": False, "command": "complete", "exit_code": 1,
                   "error": "refused", "reason": "STORY-001 is not-started; only a green story can be completed",
                   "hint": "run 'storykit run-tests' to go red first", "id": "STORY-001", "log": None, "run": None}
    assert refused.stderr.startswith("Refused: STORY-001 is not-started")

    missing = project.run("show", "9", "--json")
    assert missing.exit_code == 2
    doc = parse(missing.stdout)
    assert doc["kind"] == "error" and doc["command"] == "show" and doc["exit_code"] == 2
    assert doc["error"] == "error" and doc["reason"] == "no story STORY-009 in stories/"
    assert doc["hint"] == "run 'storykit list' to see the stories"


def test_without_json_nothing_changes(project: Project) -> None:
    project.new()
    result = project.run("show", "9")
    assert result.exit_code == 2 and result.stdout == ""
    assert not project.run("list").stdout.startswith("{")


def test_complete_json(project: Project) -> None:
    project.new()
    green(project)
    project.tick_all()
    project.git("add", "tests/test_feature.py")
    result = project.sk("complete", "1", "--json", "--by", "agent-7")
    assert result.exit_code == 0, result.stderr
    doc = parse(result.stdout)
    assert "2 passed" in result.stderr  # the final run's live output
    assert "storykit: STORY-001 is done" in result.stderr and "Committed " in result.stderr  # the human lines
    assert list(doc) == ["version", "kind", "ok", "id", "path", "status", "completed", "completed_by", "actual",
                         "commit", "committed_files", "not_committed", "notes", "run", "suite"]
    assert doc["status"] == "done" and doc["completed_by"] == "agent-7"
    assert doc["commit"] == project.git("rev-parse", "HEAD").strip()
    assert doc["committed_files"] == ["STORY_TRACKER.md", "stories/.evidence/STORY-001-add-feature.json",
                                      "stories/STORY-001-add-feature.md", "tests/test_feature.py"]
    assert doc["not_committed"] is None
    assert doc["run"]["counts"] == {"passed": 2} and doc["run"]["exit_code"] == 0
    assert doc["run"]["at"] == doc["completed"] and doc["run"]["total"] == 2


def test_docs_describe_every_field(project: Project) -> None:
    """docs/json.md names every field of every kind of document, as really produced."""
    project.new()
    docs = [parse(project.run("list", "--json").stdout)]
    project.tests_file("feature", failing=2)
    docs.append(parse(project.run("run-tests", "1", "--json").stdout))
    project.tests_file("feature", passing=2)
    docs.append(parse(project.run("run-tests", "1", "--json").stdout))
    project.tick_all()
    project.git("add", "tests/test_feature.py")
    docs.append(parse(project.run("complete", "1", "--json").stdout))
    docs.append(parse(project.run("show", "1", "--json").stdout))
    docs.append(parse(project.run("show", "9", "--json").stdout))
    assert [d["kind"] for d in docs] == ["list", "run-tests", "run-tests", "complete", "show", "error"]

    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", text))

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set().union(set(value), *map(keys, value.values()))
        if isinstance(value, list):
            return set().union(*map(keys, value))
        return set()

    missing = {k for k in set().union(*map(keys, docs)) if "::" not in k} - documented
    assert not missing, f"fields not in docs/json.md: {sorted(missing)}"
    assert "`version`" in text and "\"version\": 2" in text


def test_run_tests_json_with_commit_names_the_commit(project: Project) -> None:
    project.new()
    project.tests_file("feature", failing=2)
    result = project.run("run-tests", "1", "--commit", "--json")
    assert result.exit_code == 0, result.output
    doc = parse(result.stdout)
    assert doc["commit"] == project.git("rev-parse", "HEAD").strip()
    assert "Committed " in result.stderr  # the human lines went to stderr


def test_a_bad_option_after_json_is_a_json_error(project: Project) -> None:
    project.new()
    result = project.run("run-tests", "1", "--json", "--timeout", "soon")
    assert result.exit_code == 2
    doc = parse(result.stdout)
    assert doc["kind"] == "error" and doc["command"] == "run-tests" and doc["error"] == "usage"
    assert "soon" in doc["reason"]
