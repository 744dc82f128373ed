"""Dependencies end to end: `storykit next`, run-tests refusing unfinished
dependencies, and --force recording the override (issue 4)."""

from __future__ import annotations

import json

import yaml

from conftest import Project


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def _three_stories(project: Project) -> None:
    assert project.run("new", "feature", "--title", "Schema", "--tests", "tests/test_feature.py",
                       "--min-tests", "2", "--estimate", "1h").exit_code == 0
    assert project.run("new", "feature", "--title", "API", "--tests", "tests/test_api.py",
                       "--depends", "1").exit_code == 0
    assert project.run("new", "bugfix", "--title", "Crash", "--tests", "tests/test_crash.py").exit_code == 0


def test_next_lists_ready_stories_sorted_by_id(project: Project) -> None:
    _three_stories(project)
    result = project.run("next")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "STORY-001  Schema  (General, developer, 1h)",
        "STORY-003  Crash  (General, developer, 1 hour)",
    ]


def test_next_json(project: Project) -> None:
    _three_stories(project)
    result = project.run("next", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["version"], doc["kind"], doc["ok"]) == (2, "next", True)
    assert [r["id"] for r in doc["ready"]] == ["STORY-001", "STORY-003"]
    first = doc["ready"][0]
    assert first["path"] == "stories/STORY-001-schema.md"
    assert (first["status"], first["estimate"], first["blocks"]) == ("not-started", "1h", ["STORY-002"])
    assert doc["blocked"] == [{"id": "STORY-002", "waits_for": ["STORY-001"]}]


def test_next_with_nothing_ready_says_why(project: Project) -> None:
    assert project.run("new", "feature", "--title", "Schema", "--tests", "tests/test_a.py").exit_code == 0
    assert project.run("new", "feature", "--title", "API", "--tests", "tests/test_b.py",
                       "--depends", "1").exit_code == 0
    project.tests_file("a", failing=1, rel="tests/test_a.py")
    assert project.run("run-tests", "1").exit_code == 0  # STORY-001 is red: started, not ready
    result = project.run("next")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "No story is ready to start (STORY-002 waits for STORY-001).\n"


def test_run_tests_refuses_unfinished_dependency_and_changes_nothing(project: Project) -> None:
    _three_stories(project)
    project.tests_file("api", failing=2, rel="tests/test_api.py")
    before = project.snapshot()
    result = project.run("run-tests", "2")
    assert result.exit_code == 1
    assert result.stderr == ("Refused: STORY-002 depends on STORY-001, not done yet; "
                             "finish those first, or pass --force (the override is recorded)\n")
    assert project.snapshot() == before


def test_force_runs_and_records_the_override(project: Project) -> None:
    _three_stories(project)
    project.tests_file("api", failing=2, rel="tests/test_api.py")
    result = project.run("run-tests", "2", "--force")
    assert result.exit_code == 0, result.output
    story = project.story("STORY-002")
    meta = front(story)
    assert meta["status"] == "red"
    (override,) = meta["overrides"]
    assert override == f"{meta['runs']['red']['at']}: started before STORY-001 was done (--force)"
    assert "⚠️ Override: started before STORY-001 was done (--force)" in story  # a reviewer sees it


def test_dependent_becomes_ready_when_its_dependency_is_done(project: Project) -> None:
    _three_stories(project)
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tick_all("STORY-001")
    project.git("add", "tests/test_feature.py")
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    assert project.run("next").stdout.splitlines()[0].startswith("STORY-002  API")
    project.tests_file("api", failing=2, rel="tests/test_api.py")
    result = project.run("run-tests", "2")
    assert result.exit_code == 0, result.output
    assert "overrides" not in front(project.story("STORY-002"))
