"""Ids for parallel agents: two worktrees of one clone never allocate the same id,
even for stories neither has committed (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import Project

# storykit in a subprocess runs the code next to these tests (not whatever storykit the
# environment has installed), also when 'storykit verify' replays an older commit.
SOURCE = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}


def worktree(project: Project, tmp_path: Path, name: str) -> Project:
    other = Project(tmp_path / name)
    project.git("worktree", "add", "-q", str(other.root), "-b", name)
    return other


def test_an_uncommitted_story_in_another_worktree_takes_its_id(project: Project, tmp_path: Path) -> None:
    other = worktree(project, tmp_path, "agent-b")
    first = project.new(title="Made in the main worktree")
    assert first.exit_code == 0 and first.stdout.startswith("stories/STORY-001-")
    second = other.new(title="Made in the other worktree")  # STORY-001 is not committed anywhere
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("stories/STORY-002-")
    third = project.new(title="Back in the main worktree")
    assert third.stdout.startswith("stories/STORY-003-")


def test_a_dry_run_shows_the_same_id(project: Project, tmp_path: Path) -> None:
    other = worktree(project, tmp_path, "agent-b")
    assert other.new(title="In the other worktree").exit_code == 0
    dry = project.new("--dry-run", title="Planned")
    assert "STORY-002" in dry.stdout


def test_two_worktrees_creating_at_once_get_two_ids(project: Project, tmp_path: Path) -> None:
    others = [worktree(project, tmp_path, f"agent-{n}") for n in "bc"]
    trees = [project, *others]
    procs = [subprocess.Popen([sys.executable, "-m", "storykit", "new", "feature", "--title", f"Story {i}",
                               "--tests", "tests/test_x.py"], cwd=tree.root, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, **SOURCE})
             for i, tree in enumerate(trees)]
    outputs = [(p.wait(timeout=60), p.stdout.read().strip(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert [code for code, _, _ in outputs] == [0, 0, 0], outputs
    ids = sorted(Path(out).name[:9] for _, out, _ in outputs)
    assert ids == ["STORY-001", "STORY-002", "STORY-003"]


def test_a_removed_worktree_no_longer_counts(project: Project, tmp_path: Path) -> None:
    other = worktree(project, tmp_path, "agent-b")
    assert other.new(title="Abandoned").exit_code == 0
    project.git("worktree", "remove", "--force", str(other.root))
    assert project.new(title="Fresh").stdout.startswith("stories/STORY-001-")
