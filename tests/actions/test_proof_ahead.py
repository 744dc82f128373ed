"""run-tests proves the tracker current before the tests run (while git snapshots the
work tree) and, after them, trusts that proof only when a watch of the stories folder
saw nothing happen meanwhile: the tracker it writes is still exactly the full render,
and the tree it records is still exactly the work tree the tests ran on."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import Project
from storykit.project import config, tracker
from storykit.project.store import Project as Store
from storykit.story.model import load_meta

AN_HOUR_AGO = time.time_ns() - 3600 * 10**9


def age_stories(project: Project) -> None:
    for path in (project.root / "stories").glob("*.md"):
        os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO))


def store(project: Project) -> Store:
    return Store(config.load(project.root))


@pytest.fixture
def two(story: Project) -> Project:
    """STORY-001 (failing tests) and STORY-002, aged, the tracker written and recorded."""
    story.tests_file("feature", failing=2)
    assert story.new(title="Alone").exit_code == 0
    age_stories(story)
    assert story.run("tracker").exit_code == 0
    assert tracker.prove(store(story)) is not None
    return story


def test_the_proof_ahead_is_the_proof_after_when_nothing_changed(two: Project) -> None:
    ahead = tracker.prove_ahead(store(two))
    assert ahead is not None
    known = tracker.confirm(store(two), ahead)
    assert known is not None
    assert known == tracker.prove(store(two))


@pytest.mark.parametrize("change", ["a story, same size and time", "another story edited", "a story created",
                                    "a story removed", "the tracker edited", "the record removed"])
def test_a_change_after_the_proof_ahead_is_never_trusted(two: Project, change: str) -> None:
    ahead = tracker.prove_ahead(store(two))
    assert ahead is not None
    path = two.story_path("STORY-002")
    if change == "a story, same size and time":
        stamp = path.stat()
        path.write_bytes(path.read_bytes().replace(b"title: Alone", b"title: Along"))
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    elif change == "another story edited":
        path.write_text(path.read_text(encoding="utf-8").replace("title: Alone", "title: Not alone"),
                        encoding="utf-8")
    elif change == "a story created":
        shutil.copyfile(path, path.with_name("STORY-009-copy.md"))
    elif change == "a story removed":
        path.unlink()
    elif change == "the tracker edited":
        tracked = two.root / "STORY_TRACKER.md"
        tracked.write_text(tracked.read_text(encoding="utf-8") + "\nmine\n", encoding="utf-8")
    else:
        (two.root / ".storykit" / "cache" / "tracker.json").unlink()
    assert tracker.confirm(store(two), ahead) is None


def test_a_confirmed_proof_is_used_once(two: Project) -> None:
    ahead = tracker.prove_ahead(store(two))
    assert ahead is not None
    assert tracker.confirm(store(two), ahead) is not None
    assert tracker.confirm(store(two), ahead) is None  # the watch is closed: prove again


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_a_story_a_watch_cannot_see_is_proven_after_the_run(two: Project, link: str) -> None:
    """A story that is a link changes through a path the folder's watch does not see."""
    path = two.story_path("STORY-002")
    elsewhere = two.root / "elsewhere.md"
    if link == "symbolic":
        path.rename(elsewhere)
        path.symlink_to(elsewhere)
    else:
        os.link(path, elsewhere)
    assert tracker.prove_ahead(store(two)) is None


def test_a_story_edited_while_the_tests_run_is_in_the_tracker(two: Project) -> None:
    two.write("tests/test_feature.py", (
        "from pathlib import Path\n\n\n"
        "def test_feature_0():\n"
        "    path = next(Path('stories').glob('STORY-002-*.md'))\n"
        "    path.write_text(path.read_text(encoding='utf-8').replace('title: Alone', 'title: Alone no more'),"
        " encoding='utf-8')\n"
        "    assert False\n\n\n"
        "def test_feature_1():\n"
        "    assert False\n"))
    red = two.sk("run-tests", "STORY-001")
    assert red.exit_code == 0, red.output
    assert "Alone no more" in two.read("STORY_TRACKER.md")
    checked = two.run("tracker", "--check")
    assert checked.exit_code == 0, checked.output
    two.tests_file("feature", passing=2)
    age_stories(two)
    green = two.sk("run-tests", "STORY-001")  # nothing changes meanwhile: the proof ahead holds
    assert green.exit_code == 0, green.output
    checked = two.run("tracker", "--check")
    assert checked.exit_code == 0, checked.output
    assert tracker.prove(store(two)) is not None


def test_the_recorded_tree_is_the_work_tree_the_tests_ran_on(story: Project) -> None:
    story.write(".gitignore", story.read(".gitignore") + "ignored.txt\n" if (story.root / ".gitignore").exists()
                else "ignored.txt\n")
    story.write("src/kept.py", "kept\n")
    story.write("src/changed.py", "before the run\n")
    story.write("src/gone.py", "deleted before the run\n")
    story.git("add", "-A")
    story.git("commit", "-q", "-m", "code")
    (story.root / "src" / "gone.py").unlink()  # deleted, not staged
    story.write("src/untracked.py", "new, never added\n")
    story.write("ignored.txt", "ignored\n")
    story.write("tests/test_feature.py", (
        "from pathlib import Path\n\n\n"
        "def test_feature_0():\n"
        "    Path('src/changed.py').write_text('changed during the run\\n', encoding='utf-8')\n"
        "    Path('src/made_during.py').write_text('made during the run\\n', encoding='utf-8')\n"
        "    Path('src/kept.py').unlink()\n"
        "    assert False\n\n\n"
        "def test_feature_1():\n"
        "    assert False\n"))
    expected = index_tree(story.root)
    red = story.sk("run-tests", "STORY-001")
    assert red.exit_code == 0, red.output
    tree = load_meta(story.story_path())["runs"]["red"]["tree"]
    assert tree == expected
    listed = story.git("ls-tree", "-r", "--name-only", tree).split()
    assert "src/untracked.py" in listed and "src/kept.py" in listed and "src/changed.py" in listed
    assert "src/gone.py" not in listed and "ignored.txt" not in listed and "src/made_during.py" not in listed
    assert story.git("show", f"{tree}:src/changed.py") == "before the run\n"


def index_tree(root: Path) -> str:
    """`git add -A` into a copy of ``root``'s own index (a linked worktree has its own; a
    repository without commits may have none) and `write-tree`."""
    real = Path(subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-path", "index"], cwd=root,
                               check=True, capture_output=True, text=True).stdout.strip())
    copy = root.parent / "index-copy"
    if real.exists():
        shutil.copyfile(real, copy)
    env = {**os.environ, "GIT_INDEX_FILE": str(copy)}
    subprocess.run(["git", "add", "-A", "--", "."], cwd=root, env=env, check=True)
    tree = subprocess.run(["git", "write-tree"], cwd=root, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()
    copy.unlink()
    return tree


@pytest.mark.parametrize("where", ["a linked worktree", "a folder whose name holds a newline", "a subfolder"])
def test_the_snapshot_is_the_work_tree_wherever_it_is(bare: Project, where: str) -> None:
    from storykit import git

    bare.write("src/a.py", "committed\n")
    bare.git("add", "-A")
    bare.git("commit", "-q", "-m", "code")
    root = bare.root
    if where == "a linked worktree":
        root = bare.root.parent / "linked"
        bare.git("worktree", "add", "-q", str(root))
    elif where == "a folder whose name holds a newline":
        root = bare.root.parent / "two\nlines"
        shutil.copytree(bare.root, root)
    (root / "src" / "a.py").write_text("changed\n", encoding="utf-8")
    (root / "src" / "b.py").write_text("untracked\n", encoding="utf-8")
    expected = index_tree(root)
    asked = root / "src" if where == "a subfolder" else root
    assert git.Snapshot(asked).result() == (git.head(asked), expected)  # HEAD asked in the same call
    assert git.head_and_snapshot(asked) == (git.head(asked), expected)
    assert git.head(asked) == bare.git("rev-parse", "HEAD").strip()
    assert subprocess.run(["git", "show", f"{expected}:src/a.py"], cwd=root, capture_output=True,
                          text=True).stdout == "changed\n"


def test_the_snapshot_of_a_repository_without_commits_has_no_head(tmp_path: Path) -> None:
    from storykit import git

    subprocess.run(["git", "init", "-q", str(tmp_path / "new")], check=True)
    (tmp_path / "new" / "a.py").write_text("first\n", encoding="utf-8")
    commit, tree = git.Snapshot(tmp_path / "new").result()
    assert commit is None and tree == index_tree(tmp_path / "new")
    assert git.head_and_snapshot(tmp_path / "new") == (None, tree)
    (tmp_path / "none").mkdir()
    assert git.Snapshot(tmp_path / "none").result() == (None, None)  # not a repository


def test_a_run_refused_before_it_starts_leaves_nothing_of_git_behind(story: Project, tmp_path: Path) -> None:
    """git's snapshot starts before run-tests knows the run may start: a refusal waits for it."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    assert story.new("--depends", "STORY-001", title="Waits").exit_code == 0
    before = story.snapshot()
    refused = story.sk("run-tests", "STORY-002", env={"TMPDIR": str(temporary)})
    assert refused.exit_code == 1, refused.output
    assert "STORY-001" in refused.output
    assert list(temporary.iterdir()) == []
    assert story.snapshot() == before
