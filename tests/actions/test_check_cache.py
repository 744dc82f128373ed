"""storykit check keeps what it found under the files' stamps: a warm check must find
exactly what a cold one finds after any edit (issue 5's cache, issue 4's rules)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conftest import Project
from test_check import check, codes, edit, set_meta, to_green

AN_HOUR_AGO = time.time_ns() - 3600 * 10**9


def age(project: Project) -> None:
    """Make every file old enough for the cache to trust its stamp (the racy-clean rule)."""
    for path in [*project.root.joinpath("stories").glob("*.md"), project.root / "STORY_TRACKER.md"]:
        os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO))


def warm(project: Project) -> None:
    age(project)
    first = check(project)
    assert first.exit_code == 0, first.output
    assert (project.root / ".storykit" / "cache" / "check-project.json").is_file()
    assert check(project).stdout == first.stdout


def later(path: Path, step: int = 1) -> None:
    """A new stamp, still old enough to be trusted."""
    os.utime(path, ns=(AN_HOUR_AGO + step * 10**9, AN_HOUR_AGO + step * 10**9))


def two_stories(project: Project) -> None:
    project.new(title="One")
    project.new(title="Two", tests="tests/test_two.py")
    to_green(project)


def test_a_story_set_to_done_by_hand_is_caught_after_a_warm_check(project: Project) -> None:
    two_stories(project)
    warm(project)
    set_meta(project, "STORY-001", status="done")
    later(project.story_path("STORY-001"))
    result = check(project)
    assert result.exit_code == 1
    assert "SK503" in codes(result)


def test_an_edited_tracker_is_caught_after_a_warm_check(project: Project) -> None:
    two_stories(project)
    warm(project)
    tracker = project.root / "STORY_TRACKER.md"
    tracker.write_text(tracker.read_text(encoding="utf-8").replace("| One |", "| Uno |"), encoding="utf-8")
    later(tracker)
    assert "SK801" in codes(check(project))


def test_a_cycle_added_after_a_warm_check_is_caught(project: Project) -> None:
    two_stories(project)
    warm(project)
    set_meta(project, "STORY-001", dependencies=["STORY-002"])
    set_meta(project, "STORY-002", dependencies=["STORY-001"])
    for step, story in enumerate(("STORY-001", "STORY-002"), start=1):
        later(project.story_path(story), step)
    result = check(project)
    assert "SK402" in codes(result)
    assert "STORY-001 -> STORY-002 -> STORY-001" in result.stdout


def test_a_changed_test_file_is_stale_even_with_a_warm_cache(project: Project) -> None:
    two_stories(project)
    warm(project)
    project.write("tests/test_feature.py", project.read("tests/test_feature.py") + "\n# edited\n")
    result = check(project)
    assert result.exit_code == 1
    assert codes(result) == ["SK601"]


def test_same_size_edit_with_a_new_stamp_is_seen(project: Project) -> None:
    two_stories(project)
    warm(project)
    edit(project, "STORY-002", "**Status:** 🔴 Not Started", "**Status:** 🔴 Not Startex")
    later(project.story_path("STORY-002"))
    assert "SK203" in codes(check(project))


def test_a_corrupt_or_foreign_cache_is_ignored(project: Project) -> None:
    two_stories(project)
    warm(project)
    expected = check(project).stdout
    for path in (project.root / ".storykit" / "cache").iterdir():
        path.write_bytes(b"\xff not json")
    assert check(project).stdout == expected
    for path in (project.root / ".storykit" / "cache").iterdir():
        path.write_text('{"key": "someone else", "value": [["x", 1, "SK999", "error", "bogus"]]}')
    assert check(project).stdout == expected


def test_fresh_files_are_not_trusted(project: Project) -> None:
    two_stories(project)  # files written just now: too fresh to cache the project result
    check(project)
    assert not (project.root / ".storykit" / "cache" / "check-project.json").exists()
