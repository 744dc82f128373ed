"""The save transaction updates one story's tracker rows, end to end in real git projects:
after every command the tracker is exactly what `storykit tracker` would write, also
when stories or the tracker changed by hand in between (then it is rendered whole)."""

from __future__ import annotations

import os
import time

import pytest

from conftest import Project

AN_HOUR_AGO = time.time_ns() - 3600 * 10**9
RECORD = ".storykit/cache/tracker.json"


def age_stories(project: Project) -> None:
    """Stories written long ago, as a real project's are (fresh files are not trusted by stamp)."""
    for path in (project.root / "stories").glob("*.md"):
        os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO))


def tracker_is_exact(project: Project) -> None:
    checked = project.run("tracker", "--check")
    assert checked.exit_code == 0, checked.output


@pytest.fixture
def three(story: Project) -> Project:
    """STORY-001 (failing tests), STORY-002 depending on it, STORY-003; tracker written."""
    story.tests_file("feature", failing=2)
    assert story.new("--depends", "STORY-001", title="Waits for one").exit_code == 0
    assert story.new(title="Alone").exit_code == 0
    age_stories(story)
    assert story.run("tracker").exit_code == 0
    return story


def test_red_then_green_keep_the_tracker_exact_and_recorded(three: Project) -> None:
    red = three.run("run-tests", "STORY-001")
    assert red.exit_code == 0, red.output
    tracker_is_exact(three)
    assert (three.root / RECORD).is_file()
    three.tests_file("feature", passing=2)
    green = three.sk("run-tests", "STORY-001")  # a real subprocess, as users run it
    assert green.exit_code == 0, green.output
    tracker_is_exact(three)
    text = three.read("STORY_TRACKER.md")
    assert "| 🟢 Green (tests passing) | 1 |" in text
    assert "**Blocks:** STORY-002" in three.story("STORY-001")  # derived Blocks, as before
    again = three.sk("run-tests", "STORY-001")  # a re-run of a green story: the test tax row
    assert again.exit_code == 0, again.output
    tracker_is_exact(three)


def test_a_story_edited_by_hand_meanwhile_is_in_the_tracker(three: Project) -> None:
    assert three.run("run-tests", "STORY-001").exit_code == 0
    path = three.story_path("STORY-003")
    path.write_text(path.read_text(encoding="utf-8").replace("title: Alone", "title: Alone no more"),
                    encoding="utf-8")
    three.tests_file("feature", passing=2)
    assert three.run("run-tests", "STORY-001").exit_code == 0
    assert "| Alone no more |" in three.read("STORY_TRACKER.md")
    tracker_is_exact(three)


def test_a_tracker_edited_by_hand_is_written_whole_again(three: Project) -> None:
    assert three.run("run-tests", "STORY-001").exit_code == 0
    track = three.root / "STORY_TRACKER.md"
    track.write_text(track.read_text(encoding="utf-8").replace("| Alone |", "| Hand-edited |"), encoding="utf-8")
    three.tests_file("feature", passing=2)
    assert three.run("run-tests", "STORY-001").exit_code == 0
    assert "Hand-edited" not in three.read("STORY_TRACKER.md")
    tracker_is_exact(three)


def test_the_verbs_and_a_new_story_keep_the_tracker_exact(three: Project) -> None:
    assert three.run("run-tests", "STORY-001").exit_code == 0
    assert three.run("note", "STORY-003", "looked at it").exit_code == 0
    tracker_is_exact(three)
    assert three.run("set", "STORY-003", "title=Alone, renamed").exit_code == 0
    assert "| Alone, renamed |" in three.read("STORY_TRACKER.md")
    tracker_is_exact(three)
    assert three.run("set", "STORY-003", "dependencies=STORY-002").exit_code == 0
    tracker_is_exact(three)
    assert three.new(title="Fourth").exit_code == 0
    tracker_is_exact(three)


def test_run_tests_reads_no_other_story(three: Project) -> None:
    """The other stories' rows come from the tracker storykit wrote, not from their files:
    a story rewritten keeping its size and time (as `cp -p` can) is not read again,
    even with the front-matter cache gone."""
    assert three.run("run-tests", "STORY-001").exit_code == 0
    other = three.story_path("STORY-003")
    data = other.read_bytes()
    stamp = other.stat()
    other.write_bytes(b"#" * len(data))  # no front matter at all: unreadable if read
    os.utime(other, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    for shard in (three.root / ".storykit" / "cache").glob("front-matter-*.json"):
        shard.unlink()
    three.tests_file("feature", passing=2)
    green = three.run("run-tests", "STORY-001")
    assert green.exit_code == 0, green.output
    text = three.read("STORY_TRACKER.md")
    assert "| Alone |" in text and "Unreadable" not in text
    other.write_bytes(data)
    os.utime(other, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    tracker_is_exact(three)

