"""run-tests starts the tests sooner (issue 12, the test tax): git's snapshot starts
before click is imported, the tests start once git has read the work tree (its tree
object is written beside them), and the checks beside the tests start with them.  The
recorded tree is still exactly `git add -A` of the work tree before the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Project
from storykit import git
from storykit.runners import runner
from storykit.story.model import load_meta
from test_proof_ahead import index_tree


def committed(bare: Project) -> Path:
    bare.write("src/a.py", "committed\n")
    bare.write("src/b.py", "committed too\n")
    bare.git("add", "-A")
    bare.git("commit", "-q", "-m", "code")
    return bare.root


def test_the_tree_is_the_work_tree_as_git_read_it_whatever_happens_after(bare: Project) -> None:
    root = committed(bare)
    (root / "src" / "a.py").write_text("changed before\n", encoding="utf-8")
    (root / "src" / "new.py").write_text("untracked\n", encoding="utf-8")
    expected = index_tree(root)
    snapshot = git.Snapshot(root)
    snapshot.read()  # the tests may start now: what they do is not in the tree
    (root / "src" / "a.py").write_text("changed by the tests\n", encoding="utf-8")
    (root / "src" / "b.py").unlink()
    (root / "src" / "made.py").write_text("made by the tests\n", encoding="utf-8")
    commit, tree = snapshot.result()
    assert commit == bare.git("rev-parse", "HEAD").strip()
    assert tree == expected
    assert bare.git("show", f"{tree}:src/a.py") == "changed before\n"
    listed = bare.git("ls-tree", "-r", "--name-only", tree).split()
    assert "src/b.py" in listed and "src/new.py" in listed and "src/made.py" not in listed


def test_reading_waits_for_git_and_a_failed_snapshot_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "none").mkdir()
    snapshot = git.Snapshot(tmp_path / "none")  # not a repository: nothing to read
    snapshot.read()
    assert snapshot.result() == (None, None)


@pytest.mark.parametrize("where", ["the root", "a subfolder"])
def test_the_early_snapshot_is_the_snapshot_of_the_root(bare: Project, where: str) -> None:
    root = committed(bare)
    (root / "src" / "a.py").write_text("changed\n", encoding="utf-8")
    expected = (bare.git("rev-parse", "HEAD").strip(), index_tree(root))
    here = root if where == "the root" else root / "src"
    started = git.start_early(here)
    handed = git.early(root)
    assert handed is started
    assert handed.result() == expected
    assert git.early(root) is None  # taken once


def test_no_early_snapshot_where_git_may_find_another_repository(bare: Project) -> None:
    root = committed(bare)
    nested = root / "vendor" / "lib"
    nested.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(nested)], check=True)
    git.start_early(nested)  # git finds the nested repository from there, not the project's
    assert git.early(root) is None
    git.start_early(root.parent)  # a folder above the project
    assert git.early(root) is None
    assert git.early(root) is None  # nothing started
    git.start_early(root)
    git.drop_early()  # a run that never took it: git is done, it is forgotten
    assert git.early(root) is None


def run_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "storykit", *args], cwd=folder, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("where", ["a subfolder", "a nested repository"])
def test_a_run_started_below_the_root_records_the_projects_tree(story: Project, where: str) -> None:
    story.tests_file("feature", failing=2)
    story.write("src/code.py", "code\n")
    folder = story.root / "src" / "deep"
    folder.mkdir(parents=True)
    if where == "a nested repository":
        subprocess.run(["git", "init", "-q", str(folder)], check=True)
        (folder / "inner.txt").write_text("inner\n", encoding="utf-8")
        subprocess.run(["git", "add", "-A"], cwd=folder, check=True)
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "inner"],
                       cwd=folder, check=True)
    expected = index_tree(story.root)
    red = run_in(folder, "run-tests", "STORY-001")
    assert red.returncode == 0, red.stderr
    run = load_meta(story.story_path())["runs"]["red"]
    assert run["tree"] == expected
    assert run["commit"] == story.git("rev-parse", "HEAD").strip()


def test_a_run_refused_before_it_starts_waits_for_the_early_snapshot(story: Project, tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    before = story.snapshot()
    refused = subprocess.run([sys.executable, "-m", "storykit", "run-tests", "STORY-404"], cwd=story.root,
                             capture_output=True, text=True, env={**os.environ, "TMPDIR": str(temporary)},
                             timeout=120)
    assert refused.returncode == 2, refused.stderr
    assert "STORY-404" in refused.stderr
    assert list(temporary.iterdir()) == []  # git's temporary index is gone
    assert story.snapshot() == before


def test_started_is_called_once_the_tests_run(tmp_path: Path) -> None:
    done = tmp_path / "done"
    calls: list[bool] = []
    script = "import pathlib, time; time.sleep(0.3); pathlib.Path('done').write_text('x')"
    result = runner.run(f"{sys.executable} -c \"{script}\"", [], [], cwd=tmp_path, log_path=None,
                        started=lambda: calls.append(done.exists()))
    assert result.exit_code == 0
    assert calls == [False]  # once, while the command ran


def test_started_is_not_called_for_a_command_that_cannot_start(tmp_path: Path) -> None:
    calls: list[int] = []
    with pytest.raises(Exception, match="was not found"):
        runner.run("no-such-command-storykit {tests}", [], [], cwd=tmp_path, log_path=None,
                   started=lambda: calls.append(1))
    assert calls == []


def test_the_checks_beside_the_tests_start_with_them(story: Project) -> None:
    """A story whose Test Results region is broken is still refused, with nothing written."""
    story.tests_file("feature", failing=2)
    path = story.story_path()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("**STATUS**:", "```\n**STATUS**:"), encoding="utf-8")
    before = story.snapshot()
    refused = story.sk("run-tests", "STORY-001")
    assert refused.exit_code == 2, refused.output
    # One line on stderr (the tests' live output, stopped, may have begun on stdout).
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("Error: STORY-001: in its '## Test R")
    assert story.snapshot() == before
