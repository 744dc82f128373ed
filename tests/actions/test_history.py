"""Commit trailers on every commit storykit makes, and `run-tests --commit` (issue 6)."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import CALC_TESTS, Project
from conftest import CALC_IMPLEMENTATION as IMPLEMENTATION
from conftest import CALC_STUB as STUB
from storykit import git

STORY = "stories/STORY-001-add-feature.md"


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def calc_story(project: Project) -> None:
    assert project.new(tests="tests/test_calc.py").exit_code == 0
    project.write("tests/test_calc.py", CALC_TESTS)
    project.write("calc.py", STUB)


def committed_files(project: Project, ref: str = "HEAD") -> list[str]:
    return sorted(project.git("show", "--name-only", "--format=", ref).split())


def test_every_storykit_commit_carries_story_and_phase_trailers(project: Project) -> None:
    calc_story(project)
    project.write("notes.txt", "scratch, never staged\n")  # untracked
    project.write("README.md", "# sample\nedited, not staged\n")  # tracked, modified, not staged
    project.git("add", "calc.py")  # the user staged the stub

    red = project.run("run-tests", "1", "--commit")
    assert red.exit_code == 0, red.output
    sha = project.git("rev-parse", "HEAD").strip()
    assert project.git("log", "-1", "--format=%B") == \
        "test: failing tests for STORY-001\n\nStory: STORY-001\nPhase: red\n\n"
    assert committed_files(project) == ["STORY_TRACKER.md", "calc.py", "stories/.evidence/STORY-001-add-feature.json",
                                        STORY, "tests/test_calc.py"]
    assert f"Committed {sha[:10]}:" in red.stdout
    assert red.stderr == "Not in that commit (uncommitted changes): README.md, notes.txt\n"
    run = front(project.story())["runs"]["red"]
    parent = project.git("rev-parse", "HEAD~1").strip()
    # The tests ran on the parent's tree; the run says it is the commit made of it (a commit
    # cannot hold its own sha), so the story is exactly as committed (STORY-090).
    assert run["commit"] == parent and run["committed"] is True
    assert f"at commit `{parent[:10]}`" in project.story()
    committed_story = project.git("show", f"HEAD:{STORY}")
    assert committed_story == project.story() and front(committed_story)["status"] == "red"
    assert project.git("status", "--porcelain").splitlines() == [" M README.md", "?? notes.txt"]

    project.write("calc.py", IMPLEMENTATION)
    project.git("add", "calc.py")
    green = project.run("run-tests", "1", "--commit")
    assert green.exit_code == 0, green.output
    assert project.git("log", "-1", "--format=%B") == ("feat: tests pass for STORY-001\n\n"
                                                       "Story: STORY-001\nPhase: green\n\n")
    assert committed_files(project) == ["STORY_TRACKER.md", "calc.py", "stories/.evidence/STORY-001-add-feature.json",
                                        STORY]
    green_run = front(project.story())["runs"]["green"]
    assert green_run["commit"] == project.git("rev-parse", "HEAD~1").strip() and green_run["committed"] is True

    project.tick_all()
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    assert project.git("log", "-1", "--format=%B").endswith("\n\nStory: STORY-001\nPhase: done\n\n")

    history = project.git("log", "--grep", "Story: STORY-001", "--format=%s|%(trailers:key=Phase,valueonly)")
    assert history.split("\n\n")[:3] == ["feat: Add feature (STORY-001)|done", "feat: tests pass for STORY-001|green",
                                         "test: failing tests for STORY-001|red"]
    assert [phase for _, phase in git.story_commits(project.root, "STORY-001")] == ["done", "green", "red"]
    assert "notes.txt" not in project.git("log", "--all", "--name-only", "--format=")
    assert project.git("diff", "--name-only").split() == ["README.md"]  # still the user's, uncommitted


def test_story_commits_match_the_exact_id(project: Project) -> None:
    for story_id in ("STORY-100", "STORY-1000", "XSTORY-100"):
        project.git("commit", "-q", "--allow-empty", "-m", f"work\n\nStory: {story_id}\nPhase: red")
    project.git("commit", "-q", "--allow-empty", "-m", "mentions Story: STORY-100 in passing")
    (only,) = git.story_commits(project.root, "STORY-100")
    assert only == (project.git("rev-parse", "HEAD~3").strip(), "red")


def test_commit_of_a_marked_story_holds_the_files_of_its_tests(project: Project) -> None:
    project.run("new", "feature", "--title", "Marked", "--min-tests", "1")
    project.write("tests/test_one.py",
                  "import pytest\n\n@pytest.mark.story('STORY-001')\ndef test_x():\n    assert False\n")
    project.write("tests/test_other.py", "def test_unrelated():\n    assert False\n")
    result = project.run("run-tests", "1", "--commit")
    assert result.exit_code == 0, result.output
    assert committed_files(project) == ["STORY_TRACKER.md", "stories/.evidence/STORY-001-marked.json",
                                        "stories/STORY-001-marked.md", "tests/test_one.py"]


def assert_refused_cleanly(project: Project, before: dict[str, bytes], head: str, staged: str) -> None:
    assert project.snapshot() == before
    assert project.git("rev-parse", "HEAD").strip() == head
    assert project.git("diff", "--cached", "--name-only") == staged


def test_commit_refused_before_running_when_head_is_detached(project: Project) -> None:
    calc_story(project)
    project.git("checkout", "-q", "--detach")
    before, head = project.snapshot(), project.git("rev-parse", "HEAD").strip()
    result = project.run("run-tests", "1", "--commit")
    assert result.exit_code == 1
    assert result.stderr == ("Refused: cannot commit STORY-001: HEAD is detached: check out a branch first "
                             "(git switch -c NAME); fix that, or run without --commit\n")
    assert result.stdout == ""  # no test ran
    assert_refused_cleanly(project, before, head, "")


def test_failed_commit_records_nothing_and_restores_the_index(project: Project) -> None:
    calc_story(project)
    hook = project.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint failed: calc.py' >&2\nexit 1\n")
    hook.chmod(0o755)
    project.git("add", "calc.py")
    before, head = project.snapshot(), project.git("rev-parse", "HEAD").strip()
    result = project.run("run-tests", "1", "--commit")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == ("Error: git commit failed: lint failed: calc.py; nothing was recorded; "
                                              "fix that and run the tests again, or run without --commit")
    assert_refused_cleanly(project, before, head, "calc.py\n")
    assert front(project.story())["status"] == "not-started"


def test_commit_outside_git_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    project = Project(root)
    project.run("init")
    calc_story(project)
    before = project.snapshot()
    result = project.run("run-tests", "1", "--commit")
    assert result.exit_code == 1
    assert result.stderr == ("Refused: cannot commit STORY-001: not a git repository; "
                             "fix that, or run without --commit\n")
    assert project.snapshot() == before
