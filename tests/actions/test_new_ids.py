"""Story ids stay unique across branches (issue 6): `storykit new` allocates above
every id in the work tree and on every local and remote-tracking branch."""

from __future__ import annotations

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


def test_ids_from_all_refs_take_one_git_call(project: Project, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """One `git log --all` however many branches there are, not one call per ref (seen
    from git's own trace of the commands it ran)."""
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
    logs = [command for command in commands if command.startswith("git log")]
    assert len(logs) == 1 and "--all" in logs[0].split(), commands


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
