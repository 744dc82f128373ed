"""Story ids stay unique across branches (issue 6): `storykit new` allocates above
every id in the work tree and on every local and remote-tracking branch."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import Project


def test_two_branches_from_the_same_main_get_different_ids(project: Project) -> None:
    project.git("switch", "-q", "-c", "alice")
    first = project.new(title="Alice work")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "stories/STORY-001-alice-work.md"
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "alice: story")

    project.git("switch", "-q", "main")
    assert not list((project.root / "stories").glob("*.md"))  # main has no story yet
    project.git("switch", "-q", "-c", "bob")
    second = project.new(title="Bob work")
    assert second.exit_code == 0, second.output
    # bob never merged alice's branch, yet sees STORY-001 through its ref
    assert second.stdout.strip() == "stories/STORY-002-bob-work.md"
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "bob: story")

    project.git("switch", "-q", "main")
    project.git("merge", "-q", "--no-edit", "alice")
    project.git("merge", "-q", "--no-edit", "bob")
    names = sorted(p.name for p in (project.root / "stories").glob("*.md"))
    assert names == ["STORY-001-alice-work.md", "STORY-002-bob-work.md"]


def test_uncommitted_story_in_the_work_tree_counts(project: Project) -> None:
    project.git("switch", "-q", "-c", "topic")
    assert project.new(title="First").exit_code == 0
    project.git("switch", "-q", "-c", "other")  # untracked story file comes along
    assert project.new(title="Second").stdout.strip() == "stories/STORY-002-second.md"


def test_remote_tracking_branches_count(project: Project, tmp_path: Path) -> None:
    project.git("switch", "-q", "-c", "feature")
    assert project.new(title="Remote one").exit_code == 0
    assert project.new(title="Remote two").exit_code == 0
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "feature stories")
    project.git("switch", "-q", "main")

    clone_root = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project.root), str(clone_root)], check=True)
    clone = Project(clone_root)
    assert clone.git("branch", "--format=%(refname:short)").split() == ["main"]  # no local 'feature'
    assert "origin/feature" in clone.git("branch", "-r")
    result = clone.new(title="Local one")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "stories/STORY-003-local-one.md"


def test_deleted_story_id_is_not_reused(project: Project) -> None:
    assert project.new(title="Dropped").exit_code == 0
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "story")
    project.git("rm", "-q", "stories/STORY-001-dropped.md")
    project.git("commit", "-q", "-m", "drop story")
    assert project.new(title="Next").stdout.strip() == "stories/STORY-002-next.md"


def test_ids_from_all_refs_take_one_git_call(project: Project, monkeypatch) -> None:
    """One `git log --all` however many branches there are, not one call per ref."""
    for name in ("a", "b", "c"):
        project.git("switch", "-q", "-c", name, "main")
        assert project.new(title=f"Story {name}").exit_code == 0
        project.git("add", "-A")
        project.git("commit", "-q", "-m", name)
    project.git("switch", "-q", "main")

    from storykit import git

    calls: list[list[str]] = []
    real_run = subprocess.run

    def spy(args, *a, **kw):  # type: ignore[no-untyped-def]
        if args and args[0] == "git" and "log" in args:
            calls.append(list(args))
        return real_run(args, *a, **kw)

    monkeypatch.setattr(git.subprocess, "run", spy)
    result = project.new(title="After three")
    assert result.stdout.strip() == "stories/STORY-004-after-three.md"
    assert len(calls) == 1 and "--all" in calls[0]


def test_fresh_clone_of_a_new_project_can_create_a_story(project: Project, tmp_path: Path) -> None:
    """git keeps no empty folder: init leaves stories/.gitkeep so clones have stories/."""
    clone_root = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project.root), str(clone_root)], check=True)
    result = Project(clone_root).new(title="First in clone")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "stories/STORY-001-first-in-clone.md"
