"""A green re-run refreshes the evidence but keeps Step 3 as the first green recorded it (STORY-003)."""

from __future__ import annotations

import yaml

from conftest import Project


def meta(project: Project) -> dict:
    return yaml.safe_load(project.story().split("---\n", 2)[1])


def green_story(project: Project) -> None:
    project.new()
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.write("feature.py", "VALUE = 1\n")
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0


def test_rerun_keeps_the_first_green_changes(project: Project) -> None:
    green_story(project)
    first = meta(project)["runs"]["green"]["changes"]
    assert first["files"] == ["feature.py"]
    project.write("unrelated.py", "OTHER = 2\n" * 50)  # someone else's work, merged later
    again = project.run("run-tests", "1")
    assert again.exit_code == 0
    assert "still green" in again.stdout
    assert meta(project)["runs"]["green"]["changes"] == first
    assert "- Files modified: `feature.py`" in project.story()
    assert "unrelated.py" not in project.story()


def test_rerun_refreshes_the_rest_of_the_green_run(project: Project) -> None:
    green_story(project)
    before = meta(project)["runs"]["green"]
    project.tests_file("feature", passing=3)
    assert project.run("run-tests", "1").exit_code == 0
    after = meta(project)["runs"]["green"]
    assert after["total"] == 3 and before["total"] == 2
    assert after["digest"] != before["digest"]
