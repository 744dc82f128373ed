"""One save transaction for every writer (issue 9): a failure at any step after the
first write puts back every file written and the git index, byte for byte; a
read-only story is refused before any test runs."""

from __future__ import annotations

import stat

from conftest import Project

STORY = "stories/STORY-001-add-feature.md"


def state(project: Project) -> tuple[dict[str, bytes], str, str, str]:
    """Every file, the staged diff (full, binary), the status, and HEAD."""
    return (project.snapshot(), project.git("diff", "--cached", "--binary"),
            project.git("status", "--porcelain", "--untracked-files=all"), project.git("rev-parse", "HEAD"))


def tracker_as_directory(project: Project) -> None:
    """The tracker cannot be written: its path is a directory (the write fails after
    the story is written, whoever runs storykit)."""
    tracker = project.root / "STORY_TRACKER.md"
    tracker.unlink()
    (tracker / "in-the-way").mkdir(parents=True)


def with_staged_work(project: Project) -> None:
    project.write("src.py", "x = 1\n")
    project.git("add", "src.py")


def test_run_tests_puts_back_the_story_and_the_index_when_the_tracker_fails(story: Project) -> None:
    story.tests_file("feature", failing=2)
    with_staged_work(story)
    tracker_as_directory(story)
    before = state(story)
    result = story.run("run-tests", "1")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == ("Error: cannot write STORY_TRACKER.md: Is a directory; nothing was "
                                              "changed: fix that and run again")
    assert state(story) == before


def test_run_tests_commit_puts_back_everything_when_the_tracker_fails(story: Project) -> None:
    story.tests_file("feature", failing=2)
    with_staged_work(story)
    tracker_as_directory(story)
    before = state(story)
    assert story.run("run-tests", "1", "--commit").exit_code == 2
    assert state(story) == before


def test_validate_puts_back_the_story_when_the_tracker_fails(story: Project) -> None:
    story.tests_file("feature", failing=2)
    assert story.run("run-tests", "1").exit_code == 0
    story.tests_file("feature", passing=2)
    assert story.run("run-tests", "1").exit_code == 0
    story.write("storykit.toml", story.read("storykit.toml") + 'validate = ["true"]\n')
    with_staged_work(story)
    tracker_as_directory(story)
    before = state(story)
    result = story.run("validate", "1")
    assert result.exit_code == 2, result.output
    assert state(story) == before


def test_new_writes_nothing_when_the_tracker_fails(story: Project) -> None:
    tracker_as_directory(story)
    before = state(story)
    result = story.run("new", "feature", "--title", "Second", "--depends", "1")
    assert result.exit_code == 2, result.output
    assert state(story) == before  # neither the new story nor STORY-001's Blocks line


def test_complete_with_a_failing_hook_puts_back_story_tracker_and_index(story: Project) -> None:
    story.tests_file("feature", failing=2)
    assert story.run("run-tests", "1").exit_code == 0
    story.tests_file("feature", passing=2)
    assert story.run("run-tests", "1").exit_code == 0
    story.tick_all()
    hook = story.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint: 3 problems found' >&2\nexit 1\n")
    hook.chmod(0o755)
    with_staged_work(story)
    story.write("README.md", "# sample\nunstaged edit\n")
    before = state(story)
    result = story.run("complete", "1")
    assert result.exit_code == 1
    assert state(story) == before


def test_a_read_only_story_is_refused_before_any_test_runs(story: Project) -> None:
    story.tests_file("feature", failing=2)
    path = story.root / STORY
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    before = state(story)
    result = story.run("run-tests", "1")
    assert result.exit_code == 2
    assert result.stdout == ""  # no test ran: pytest's output would be here
    assert result.stderr == (f"Error: {STORY} is read-only: make it writable (chmod u+w {STORY}) "
                             f"and run again\n")
    assert state(story) == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert not (story.root / ".storykit" / "logs" / "STORY-001-latest.log").exists()
