"""Story ids stay unique across branches (issue 6): `storykit new` allocates above
every id in the work tree and on every local and remote-tracking branch."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import Project
from storykit import git


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


def test_the_history_is_walked_once_and_then_only_where_branches_moved(project: Project, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """One `git log` however many branches there are, not one call per ref, and none at
    all while no branch moved (seen from git's own trace of the commands it ran)."""
    for name in ("a", "b", "c"):
        project.git("switch", "-q", "-c", name, "main")
        assert project.new(title=f"Story {name}").exit_code == 0
        project.git("add", "-A")
        project.git("commit", "-q", "-m", name)
    project.git("switch", "-q", "main")

    trace = tmp_path / "git-trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    result = project.new(title="After three")
    assert result.stdout.strip() == "stories/STORY-004-after-three.md"
    commands = [line.split("trace: built-in: ", 1)[1] for line in trace.read_text().splitlines()
                if "trace: built-in: git " in line]
    assert len([command for command in commands if command.startswith("git log")]) == 1, commands
    trace.unlink()
    dry = project.new("--dry-run", title="Again")
    assert dry.stderr.strip().endswith("stories/STORY-005-again.md was not written)")
    commands = [line.split("trace: built-in: ", 1)[1] for line in trace.read_text().splitlines()
                if "trace: built-in: git " in line]
    assert not [command for command in commands if command.startswith("git log")], commands


def test_a_story_added_and_removed_on_a_merged_branch_keeps_its_id(project: Project) -> None:
    """The side of a merge is walked even where the merge's stories equal the other
    side's (the branch's story was deleted before the merge, the branch then deleted)."""
    project.git("switch", "-q", "-c", "feature")
    assert project.new(title="Tried").exit_code == 0
    commit_all(project, "story 1")
    project.git("rm", "-q", "stories/STORY-001-tried.md")
    commit_all(project, "dropped")
    project.git("switch", "-q", "main")
    project.write("README.md", "# main moved on\n")
    commit_all(project, "readme")
    project.git("merge", "-q", "--no-ff", "--no-edit", "feature")
    project.git("branch", "-q", "-D", "feature")
    assert project.new("--dry-run", title="Next").stderr.strip().endswith(
        "stories/STORY-002-next.md was not written)")


def test_a_corrupt_id_cache_changes_no_answer(project: Project) -> None:
    project.git("switch", "-q", "-c", "feature")
    assert project.new("--id", "41", title="Far").exit_code == 0
    commit_all(project, "story 41")
    project.git("switch", "-q", "main")
    assert project.new("--dry-run", title="First").stderr.strip().endswith("STORY-042-first.md was not written)")
    for cache in (project.root / ".storykit" / "cache").glob("*ids*.json"):
        cache.write_bytes(b"\x00not json")
    assert project.new("--dry-run", title="Again").stderr.strip().endswith("STORY-042-again.md was not written)")


def test_a_dry_run_reads_no_other_story(project: Project) -> None:
    """`new --dry-run` without --depends or --id takes the ids from its own small cache
    and, once that is built, never loads every story's front matter (the front-matter
    cache is not even recreated)."""
    for title in ("One", "Two"):
        assert project.new(title=title).exit_code == 0
    for path in (project.root / "stories").glob("*.md"):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # written long ago: their ids are remembered
    assert project.new("--dry-run", title="Warm up").exit_code == 0
    cache = project.root / ".storykit" / "cache"
    for path in cache.glob("front-matter-*.json"):
        path.unlink()
    dry = project.new("--dry-run", title="Three")
    assert dry.exit_code == 0 and "id: STORY-003" in dry.stdout
    assert not list(cache.glob("front-matter-*.json"))  # no story's front matter was loaded
    assert {"history-ids.json", "story-ids.json"} <= {p.name for p in cache.iterdir()}
    with_dependency = project.new("--dry-run", "--depends", "1", title="Needs one")
    assert "- STORY-001: One - " in with_dependency.stdout  # the dependency's title, read when needed


def test_fresh_clone_of_a_new_project_can_create_a_story(project: Project, tmp_path: Path) -> None:
    """git keeps no empty folder: init leaves stories/.gitkeep so clones have stories/."""
    clone_root = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project.root), str(clone_root)], check=True)
    result = Project(clone_root).new(title="First in clone")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "stories/STORY-001-first-in-clone.md"


def commit_all(project: Project, message: str) -> None:
    project.git("add", "-A")
    project.git("commit", "-q", "-m", message)


def test_a_story_on_another_branch_takes_its_id(project: Project) -> None:
    assert project.new(title="On main").exit_code == 0
    commit_all(project, "story 1")
    project.git("switch", "-q", "-c", "feature")
    assert project.new(title="On feature").exit_code == 0
    commit_all(project, "story 2")
    project.write("README.md", "# the branch's last commit does not touch stories/\n")
    commit_all(project, "readme")
    project.git("switch", "-q", "main")
    created = project.new(title="Next on main")
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == "stories/STORY-003-next-on-main.md"


def test_remote_tracking_branches_and_tags_count(project: Project) -> None:
    assert project.new(title="First").exit_code == 0
    commit_all(project, "story 1")
    assert project.new("--id", "7", title="Far ahead").exit_code == 0
    commit_all(project, "story 7")
    ahead = project.git("rev-parse", "HEAD").strip()
    project.git("update-ref", "refs/remotes/origin/work", ahead)
    project.git("tag", "v1", ahead)
    project.git("reset", "-q", "--hard", "HEAD~1")
    assert not list((project.root / "stories").glob("STORY-007-*"))
    assert project.new(title="After seven").stdout.strip() == "stories/STORY-008-after-seven.md"
    project.git("update-ref", "-d", "refs/remotes/origin/work")
    assert project.new("--dry-run", title="Still after seven").stderr.strip().endswith(
        "stories/STORY-009-still-after-seven.md was not written)")  # the tag still holds STORY-007


def test_a_project_in_a_subfolder_reads_its_own_folder(bare: Project) -> None:
    app = bare.root / "app"
    app.mkdir()
    sub = Project(app)
    assert sub.run("init").exit_code == 0
    bare.write("stories/STORY-050-not-this-project.md", "---\nid: STORY-050\n---\n")
    bare.write("app/stories/nested/STORY-060-not-directly-in-the-folder.md", "---\nid: STORY-060\n---\n")
    commit_all(bare, "other folders")
    bare.git("switch", "-q", "-c", "feature")
    assert sub.run("new", "feature", "--title", "Sub", "--tests", "t.py").exit_code == 0
    commit_all(bare, "story 1 in app")
    bare.git("switch", "-q", "main")
    assert git.files_in_all_refs(app, "stories") == ["app/stories/STORY-001-sub.md"]
    assert sub.run("new", "feature", "--title", "Two", "--tests", "t.py").stdout.strip() == "stories/STORY-002-two.md"


def test_outside_git_only_the_working_tree_counts(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    plain = Project(root)
    assert plain.run("init").exit_code == 0
    assert git.files_in_all_refs(root, "stories") == []
    assert plain.run("new", "feature", "--title", "One", "--tests", "t.py").stdout.strip() == "stories/STORY-001-one.md"
    assert subprocess.run(["git", "rev-parse"], cwd=root, capture_output=True).returncode != 0


def test_other_worktrees_are_listed_only_when_the_clone_has_some(project: Project, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    trace = tmp_path / "git-trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    assert project.new("--dry-run", title="Alone").exit_code == 0
    assert "git worktree list" not in trace.read_text()
    other = tmp_path / "agent-b"
    project.git("worktree", "add", "-q", str(other), "-b", "agent-b")
    assert Project(other).new(title="Made there").exit_code == 0  # not committed anywhere
    trace.unlink()
    dry = project.new("--dry-run", title="Next")
    assert dry.stderr.strip().endswith("stories/STORY-002-next.md was not written)")
    assert "git worktree list" in trace.read_text()
