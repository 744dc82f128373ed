"""`run-tests --commit` commits the run it records: afterwards the story, the tracker
and the evidence file are exactly as committed (nothing left to commit), and verify
still knows the commit is that run's evidence (STORY-090)."""

from __future__ import annotations

from conftest import Project


def red_with_commit(project: Project) -> None:
    project.tests_file("feature", failing=2)
    assert project.new().exit_code == 0
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "the story")
    result = project.run("run-tests", "1", "--commit")
    assert result.exit_code == 0, result.output


def test_red_commit_leaves_nothing_to_commit(project: Project) -> None:
    red_with_commit(project)
    assert project.git("status", "--porcelain") == ""
    assert project.git("log", "-1", "--format=%s") == "test: failing tests for STORY-001\n"


def test_green_commit_leaves_nothing_to_commit_and_verify_replays_both(project: Project) -> None:
    red_with_commit(project)
    project.tests_file("feature", passing=2)
    result = project.run("run-tests", "1", "--commit")
    assert result.exit_code == 0, result.output
    assert project.git("status", "--porcelain") == ""
    replay = project.run("verify", "1")
    assert replay.exit_code == 1  # not completed yet: no done commit, said so
    assert "red" in replay.stdout and "2 of 2 tests fail" in replay.stdout, replay.output
