"""STORY_TRACKER.md merges without conflicts through storykit's git merge driver
(issue 6): real `git merge`, `git rebase` and `git cherry-pick` in real repositories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import Project


def git(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=project.root, capture_output=True, text=True)


def branch_with_story(project: Project, branch: str, title: str, start: str = "main") -> str:
    project.git("switch", "-q", "-c", branch, start)
    result = project.new(title=title)
    assert result.exit_code == 0, result.output
    project.git("add", "-A")
    project.git("commit", "-q", "-m", f"{branch}: {title}")
    return result.stdout.strip()


def tracker_ids(project: Project) -> list[str]:
    return [line.split("]")[0][3:] for line in project.read("STORY_TRACKER.md").splitlines() if line.startswith("| [")]


def assert_clean_and_current(project: Project) -> None:
    assert project.git("status", "--porcelain") == ""
    assert project.git("diff", "--name-only", "--diff-filter=U") == ""
    check = project.run("tracker", "--check")
    assert check.exit_code == 0, check.output


def test_init_registers_the_driver(project: Project) -> None:
    assert "STORY_TRACKER.md merge=storykit-tracker\n" in project.read(".gitattributes")
    driver = project.git("config", "--local", "merge.storykit-tracker.driver").strip()
    assert driver == f"{sys.executable} -m storykit merge-tracker %O %A %B %P"
    assert project.git("check-attr", "merge", "STORY_TRACKER.md").strip() == "STORY_TRACKER.md: merge: storykit-tracker"
    again = project.run("init")
    assert again.exit_code == 0
    assert "nothing to do" in again.stdout
    assert project.read(".gitattributes").count("merge=storykit-tracker") == 1


def test_init_keeps_an_existing_gitattributes(bare: Project) -> None:
    bare.write(".gitattributes", "*.png binary")  # no final newline
    assert bare.run("init").exit_code == 0
    assert bare.read(".gitattributes") == "*.png binary\nSTORY_TRACKER.md merge=storykit-tracker\n"


def test_init_outside_git_says_the_driver_is_not_registered(tmp_path: Path) -> None:
    plain = Project(tmp_path)
    result = plain.run("init")
    assert result.exit_code == 0
    assert "Merge driver not registered: not a git repository: run 'storykit init --merge-driver' after 'git init'" \
        in result.stderr


def test_fresh_clone_registers_with_init_merge_driver(project: Project, tmp_path: Path) -> None:
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "x", "--allow-empty")
    clone_root = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project.root), str(clone_root)], check=True)
    clone = Project(clone_root)
    assert clone.git("config", "--local", "merge.storykit-tracker.driver", check=False) == ""
    before = clone.snapshot()
    result = clone.run("init", "--merge-driver")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Initialised storykit in {clone_root}: git config merge.storykit-tracker"
    assert clone.snapshot() == before  # only .git/config changed
    assert "merge-tracker %O %A %B %P" in clone.git("config", "--local", "merge.storykit-tracker.driver")
    assert clone.run("init", "--merge-driver").stdout.startswith("storykit is already set up")


def test_merge_of_two_branches_that_each_added_a_story(project: Project) -> None:
    branch_with_story(project, "alice", "Alice work")
    branch_with_story(project, "bob", "Bob work")
    merged = git(project, "merge", "--no-edit", "alice")  # both changed the tracker
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "regenerated STORY_TRACKER.md from the merged stories" in merged.stderr
    assert "CONFLICT" not in merged.stdout
    assert_clean_and_current(project)
    assert tracker_ids(project) == ["STORY-001", "STORY-002"]
    assert "| **Total** | **2** |" in project.read("STORY_TRACKER.md")


def test_without_the_driver_the_same_merge_conflicts(project: Project) -> None:
    """The control: the driver, not luck, is what keeps the merge clean."""
    branch_with_story(project, "alice", "Alice work")
    branch_with_story(project, "bob", "Bob work")
    project.git("config", "--local", "--unset", "merge.storykit-tracker.driver")
    project.git("config", "--local", "--unset", "merge.storykit-tracker.name")
    merged = git(project, "merge", "--no-edit", "alice")
    assert merged.returncode == 1
    assert "CONFLICT (content): Merge conflict in STORY_TRACKER.md" in merged.stdout


def test_merge_of_a_completed_story_and_a_new_one(project: Project) -> None:
    project.new(title="Base story")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "base story")

    project.git("switch", "-q", "-c", "finish")  # completes STORY-001 through the real cycle
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tick_all()
    project.git("add", "tests/test_feature.py")
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output

    branch_with_story(project, "more", "Another story")
    merged = git(project, "merge", "--no-edit", "finish")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "from the merged stories" in merged.stderr
    assert_clean_and_current(project)
    tracker = project.read("STORY_TRACKER.md")
    assert "| ✅ Done | 1 |" in tracker and "| 🔴 Not Started | 1 |" in tracker
    assert tracker_ids(project) == ["STORY-001", "STORY-002"]


def test_rebase_regenerates_from_the_picked_commit(project: Project) -> None:
    branch_with_story(project, "alice", "Alice work")
    branch_with_story(project, "bob", "Bob work")
    rebased = git(project, "rebase", "alice")
    assert rebased.returncode == 0, rebased.stdout + rebased.stderr
    assert "from the merged stories" in rebased.stderr
    assert_clean_and_current(project)
    assert tracker_ids(project) == ["STORY-001", "STORY-002"]


def test_cherry_pick_falls_back_to_the_tracker_rows(project: Project) -> None:
    """A single cherry-pick leaves no trace of the picked commit for the driver:
    it merges the trackers' rows, and the result is still what `tracker` writes."""
    branch_with_story(project, "alice", "Alice work")
    branch_with_story(project, "bob", "Bob work")
    picked = git(project, "cherry-pick", "alice")
    assert picked.returncode == 0, picked.stdout + picked.stderr
    assert "from the merged tracker rows" in picked.stderr
    assert_clean_and_current(project)
    assert tracker_ids(project) == ["STORY-001", "STORY-002"]


def test_tracker_rows_read_back_what_render_wrote(project: Project) -> None:
    """The fallback's premise: rows parsed from a tracker render the same tracker."""
    from storykit.project import config
    from storykit.actions import merge_tracker as mergedriver
    from storykit.project import tracker
    from storykit.project.store import Project as SkProject

    project.new(title="Pipes | and  spaces", *("--estimate", "1-2 hours", "--track", "A (Backend)"))
    project.new(title="Second", *("--depends", "1"))
    sk = SkProject(config.load(project.root))
    text = tracker.render(sk)
    rows = mergedriver.tracker_rows(sk, text)
    assert rows["STORY-001"][1]["title"] == "Pipes | and spaces"
    assert rows["STORY-002"][1]["dependencies"] == ["STORY-001"]
    again = SkProject(config.load(project.root))
    again.use_entries(mergedriver.entries_from_rows(again, text, text, text))
    assert tracker.render(again) == text


def test_rows_merge_takes_each_sides_change(project: Project) -> None:
    from storykit.project import config
    from storykit.actions import merge_tracker as mergedriver
    from storykit.project import tracker
    from storykit.project.store import Project as SkProject

    project.new(title="One")
    sk = SkProject(config.load(project.root))
    base = tracker.render(sk)
    path = project.story_path()
    path.write_text(path.read_text().replace("status: not-started", "status: red"))
    ours = tracker.render(SkProject(config.load(project.root)))
    path.write_text(path.read_text().replace("status: red", "status: not-started"))
    project.new(title="Two")
    theirs = tracker.render(SkProject(config.load(project.root)))
    merged = SkProject(config.load(project.root))
    merged.use_entries(mergedriver.entries_from_rows(merged, base, ours, theirs))
    statuses = {e.id: e.meta["status"] for e in merged.entries()}
    assert statuses == {"STORY-001": "red", "STORY-002": "not-started"}


def test_driver_falls_back_to_a_text_merge_and_says_why(project: Project, tmp_path: Path) -> None:
    from storykit.actions.merge_tracker import run_driver

    base, ours, theirs = (tmp_path / n for n in ("o", "a", "b"))
    base.write_text("x\n")
    ours.write_text("x\ny\n")
    theirs.write_text("x\n")
    code, message = run_driver(base, ours, theirs, "elsewhere/OTHER.md", project.root)
    assert code == 0
    assert "is not the tracker of the storykit project" in message or "not in a storykit project" in message
    assert "merged elsewhere/OTHER.md as text (cleanly): run 'storykit tracker' once the merge is done" in message
    assert ours.read_text() == "x\ny\n"


def test_merge_in_a_project_below_the_repository_root(bare: Project) -> None:
    """The project (config, stories, tracker) lives in app/, not at the git top level."""
    app = Project(bare.root / "app")
    app.root.mkdir()
    assert app.run("init").exit_code == 0
    assert (app.root / ".gitattributes").is_file()
    bare.git("add", "-A")
    bare.git("commit", "-q", "-m", "init app")
    for branch, title in (("alice", "Alice work"), ("bob", "Bob work")):
        app.git("switch", "-q", "-c", branch, "main")
        assert app.new(title=title).exit_code == 0
        app.git("add", "-A")
        app.git("commit", "-q", "-m", branch)
    merged = git(bare, "merge", "--no-edit", "alice")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "regenerated app/STORY_TRACKER.md from the merged stories" in merged.stderr
    assert_clean_and_current(app)
    assert tracker_ids(app) == ["STORY-001", "STORY-002"]


def test_the_driver_command_is_hidden_and_init_documents_its_options(invoke) -> None:
    top = invoke("--help")
    assert top.exit_code == 0 and "merge-tracker" not in top.output and "renumber" in top.output
    init = invoke("init", "--help")
    assert "--merge-driver" in init.output and "--agents" in init.output
    assert "storykit init --merge-driver" in " ".join(init.output.split())
