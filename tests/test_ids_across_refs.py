"""New ids are above every id on any ref (git.files_in_all_refs, one git call): the
folder's own files only, whatever the branch's last commit touched."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import Project
from storykit import git


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
