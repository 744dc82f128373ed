"""A run record must name a commit in the repository's history (issue 10): ``check``
refuses a made-up commit in one line (SK508), passes an honest history (runs committed
with ``run-tests --commit`` or not), says once that a shallow clone cannot know, skips
with a note outside git, and follows ``run_commits`` for teams whose merges rewrite
commits — running only git plumbing (rev-parse, rev-list) and writing nothing.
Real git repositories, real pytest runs, real processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Project, copy_of, prepared
from frozen_state import state

from storykit import git
from storykit.errors import GitError

OTHER = "stories/STORY-002-other.md"
SHALLOW_NOTE = ("note: run records' commits were not checked against the history: this is a shallow clone; "
                "fetch the whole history (actions/checkout: fetch-depth: 0) to check them")


def _build(project: Project) -> None:
    """STORY-001 done (red committed with --commit, green not committed, completed and
    committed); STORY-002 red, its run never committed."""
    project.tests_file("feature", failing=2)
    assert project.new().exit_code == 0
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "story 1")
    assert project.run("run-tests", "1", "--commit").exit_code == 0
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tick_all()
    project.git("add", "-A")
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    project.tests_file("other", failing=2, rel="tests/test_other.py")
    assert project.new(title="Other", tests="tests/test_other.py").exit_code == 0
    assert project.run("run-tests", "2").exit_code == 0


@pytest.fixture(scope="module")
def history_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _build)


@pytest.fixture
def history(history_template: Path, tmp_path: Path) -> Project:
    return copy_of(history_template, tmp_path)


def forge(project: Project, commit: str) -> int:
    """Make STORY-002's red record name ``commit``; the line it is on."""
    path = project.root / OTHER
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("    commit: "))
    lines[index] = f"    commit: {commit}\n"
    path.write_text("".join(lines), encoding="utf-8")
    return index + 1


def sk(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "storykit", *args], cwd=root, capture_output=True, text=True,
                          timeout=60)


def test_honest_history_passes(history: Project) -> None:
    before = state(history.root)
    found = sk(history.root, "check")
    assert found.returncode == 0, found.stdout + found.stderr
    assert "SK508" not in found.stdout
    assert "note:" not in found.stderr
    assert state(history.root) == before


@pytest.mark.parametrize("kind", ["made-up", "short", "unreachable"])
def test_a_commit_not_in_the_history_is_refused_in_one_line(history: Project, kind: str) -> None:
    commit = {"made-up": "0123456789abcdef" * 2 + "01234567", "short": "deadbeef",
              "unreachable": history.git("commit-tree", "HEAD^{tree}", "-m", "never merged").strip()}[kind]
    line = forge(history, commit)
    before = state(history.root)
    found = sk(history.root, "check")
    assert found.returncode == 1, found.stdout + found.stderr
    assert [line for line in found.stdout.splitlines() if not line.startswith("stories/STORY-001-")] == [
        f"{OTHER}:{line}: SK508 the red run record's commit {commit} is not in the history of HEAD (made up, "
        f"or rewritten by a rebase or squash merge); restore the story from git, or set run_commits = \"warn\" "
        f"if your merges rewrite commits"]
    assert state(history.root) == before


def test_a_shallow_clone_is_reported_once_not_failed(history: Project, tmp_path: Path) -> None:
    forge(history, "0123456789abcdef" * 2 + "01234567")
    history.git("commit", "-q", "-am", "forged")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{history.root}", str(clone)], check=True)
    found = sk(clone, "check")
    assert found.returncode == 0, found.stdout + found.stderr
    assert "SK508" not in found.stdout
    assert [line for line in found.stderr.splitlines() if line.startswith("note:")] == [SHALLOW_NOTE]
    document = json.loads(sk(clone, "check", "--json").stdout)
    assert document["ok"] is True and document["notes"] == [SHALLOW_NOTE[len("note: "):]]
    github = sk(clone, "check", "--format", "github").stdout.splitlines()
    assert f"::notice title=storykit check::{SHALLOW_NOTE[len('note: '):]}" in github


def test_outside_git_it_skips_with_a_note(history: Project) -> None:
    shutil.rmtree(history.root / ".git")
    found = sk(history.root, "check")
    assert found.returncode == 0, found.stdout + found.stderr
    assert [line for line in found.stderr.splitlines() if line.startswith("note:")] == [
        "note: run records' commits were not checked against the history: not a git repository"]


def test_squash_merges_are_configurable(history: Project) -> None:
    """A history rewritten as one commit (what a squash merge does to a branch's commits):
    every record is refused, until the team says its merges rewrite commits."""
    history.git("checkout", "-q", "--orphan", "squashed")
    history.git("commit", "-q", "-m", "squashed")
    found = sk(history.root, "check")
    assert found.returncode == 1
    assert [line.split(" ")[1] for line in found.stdout.splitlines() if " SK508 " in line] == ["SK508"] * 4
    config = history.root / "storykit.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + 'run_commits = "warn"\n', encoding="utf-8")
    found = sk(history.root, "check")
    assert found.returncode == 0, found.stdout
    assert sum(" SK508 warning: " in line for line in found.stdout.splitlines()) == 4
    config.write_text(text + 'run_commits = "off"\n', encoding="utf-8")
    found = sk(history.root, "check")
    assert found.returncode == 0 and "SK508" not in found.stdout
    assert "note: run records' commits were not checked against the history (run_commits = \"off\" in " \
           "storykit.toml)" in found.stderr.splitlines()
    pinned = sk(history.root, "check", "--run-commits", "strict")  # the CI workflow can pin it
    assert pinned.returncode == 1 and pinned.stdout.count(" SK508 ") == 4
    config.write_text(text + 'run_commits = "sometimes"\n', encoding="utf-8")
    bad = sk(history.root, "check")
    assert bad.returncode == 2
    assert bad.stderr == ("Error: storykit.toml: storykit setting 'run_commits' must be one of strict, warn, off, "
                          "not 'sometimes'; fix it in the [tool.storykit] table\n")


AUDITED = """\
import json, sys
from pathlib import Path

processes = []


def hook(event, args):
    if event == "subprocess.Popen":
        processes.append(list(map(str, args[1])))
    elif event in ("os.posix_spawn", "os.exec", "os.fork", "os.system"):
        processes.append([event])


sys.addaudithook(hook)
from storykit.cli.app import run
code = run(sys.argv[2:])
Path(sys.argv[1]).write_text(json.dumps(processes))
sys.exit(code)
"""


def test_check_runs_one_git_plumbing_process_and_caches_it_per_head(history: Project, tmp_path: Path) -> None:
    """Git asked once for all the stories (rev-list, nothing that runs hooks, filters or
    fsmonitor), and not again while HEAD stays the same."""
    shutil.rmtree(history.root / ".storykit")
    events = tmp_path / "events.json"
    before = state(history.root)
    runs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", AUDITED, str(events), "check"], cwd=history.root,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        runs.append(json.loads(events.read_text()))
    probe = ["git", "rev-parse", "--is-shallow-repository", "--verify", "-q", "HEAD"]
    walk = ["git", "-c", "core.fsmonitor=false", "rev-list", "HEAD", "--"]
    assert runs == [[probe, walk], [probe]]
    assert state(history.root) == before
    history.git("commit", "-q", "--allow-empty", "-m", "a new HEAD")
    subprocess.run([sys.executable, "-c", AUDITED, str(events), "check"], cwd=history.root, check=True,
                   capture_output=True, timeout=60)
    assert json.loads(events.read_text()) == [probe, walk]


def test_git_asked_ahead_answers_as_git_asked_when_needed(history: Project, tmp_path: Path) -> None:
    """check asks git before it reads the stories: the same answers, for every kind of clone."""
    root = history.root
    made_up = "0" * 40
    commits = set(history.git("rev-list", "HEAD").split())
    for walk in (True, False):
        with git.History(root, walk=walk) as ahead:
            assert ahead.head_state() == git.head_state(root) == git.HeadState(history.git("rev-parse", "HEAD").strip(),
                                                                                  False)
            assert ahead.in_history(commits | {made_up}) == git.in_history(root, commits | {made_up}) == commits
            assert ahead.in_history({made_up}) == set()  # asked again: the same walk
    outside = tmp_path / "outside"
    outside.mkdir()
    with git.History(outside, walk=True) as ahead:
        assert ahead.head_state() == git.head_state(outside) == "not a git repository"
    unborn = tmp_path / "unborn"
    unborn.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=unborn, check=True)
    with git.History(unborn, walk=True) as ahead:
        assert ahead.head_state() == git.head_state(unborn) == git.HeadState(None, False)
        with pytest.raises(GitError, match="git rev-list failed"):
            ahead.in_history({made_up})
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(shallow)], check=True)
    with git.History(shallow, walk=True) as ahead:
        assert ahead.head_state() == git.head_state(shallow)
        assert isinstance(ahead.head_state(), git.HeadState) and ahead.head_state().shallow  # type: ignore[union-attr]
    with git.History(root, walk=True):
        pass  # nothing asked: git is stopped, and waited for, at the end
