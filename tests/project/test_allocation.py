"""The ids taken in the history of every ref, remembered in .storykit/cache and walked
only where the refs moved (storykit.project.allocation): always exactly what a full
scan of every ref's history finds, in real git repositories."""

from __future__ import annotations

import importlib
import json
import os
import random
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from conftest import Project as Repo
from storykit.project import config
from storykit.project.store import Project


class History:
    """A real repository changed through git's plumbing (no work tree involved)."""

    def __init__(self, repo: Repo, tmp_path: Path) -> None:
        self.repo = repo
        self.index = tmp_path / "scratch-index"
        self.blob = self.git("hash-object", "-w", "--stdin", stdin="---\nid: X\n---\n").strip()

    def git(self, *args: str, stdin: str | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=self.repo.root, input=stdin, capture_output=True, text=True,
                              env={**os.environ, "GIT_INDEX_FILE": str(self.index)})
        assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    def commit(self, parents: list[str], add: list[str] = (), remove: list[str] = (),  # type: ignore[assignment]
               tree_of: str | None = None) -> str:
        """A commit on ``parents`` whose tree is the first parent's (or ``tree_of``'s)
        with story files added and removed."""
        base = tree_of or (parents[0] if parents else None)
        if base:
            self.git("read-tree", base)
        else:
            self.git("read-tree", "--empty")
        for name in add:
            self.git("update-index", "--add", "--cacheinfo", f"100644,{self.blob},stories/{name}")
        for name in remove:
            self.git("update-index", "--force-remove", f"stories/{name}")
        tree = self.git("write-tree").strip()
        flags = [arg for parent in parents for arg in ("-p", parent)]
        return self.git("commit-tree", tree, *flags, "-m", "change").strip()

    def files(self, commit: str) -> list[str]:
        out = self.git("ls-tree", "--name-only", commit, "stories/")
        return [line.split("/", 1)[1] for line in out.splitlines()]

    def refs(self) -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/", "refs/remotes/")
        return dict(line.split() for line in out.splitlines())


def load_allocation() -> ModuleType:
    """The module under test, imported by each test (a test, not the collection, fails
    while it does not exist)."""
    return importlib.import_module("storykit.project.allocation")


def project_of(repo: Repo) -> Project:
    return Project(config.load(repo.root))


def test_random_histories_give_exactly_the_full_scan(project: Repo, tmp_path: Path) -> None:
    """Branches created, advanced, deleted, rewound and force-pushed, merges (also ones
    whose tree drops a side's story), renames, tags, remote-tracking refs, git gc, a
    corrupt cache: after every step the remembered answer is the full scan's, and so
    is a cold one."""
    allocation = load_allocation()
    history = History(project, tmp_path)
    sk = project_of(project)
    rng = random.Random(12)
    main = project.git("rev-parse", "HEAD").strip()
    next_number = 1
    checked = 0

    def new_names(count: int) -> list[str]:
        nonlocal next_number
        names = []
        for _ in range(count):
            # mostly rising ids, sometimes an old or a far one (a renumbered or hand-made story)
            number = rng.choice([next_number, next_number, rng.randint(1, next_number + 3), next_number + 40])
            next_number += 1
            names.append(f"STORY-{number:03d}-{rng.choice(['a', 'b', 'c'])}{rng.randint(0, 99)}.md")
        return names

    kinds = ["branch", "advance", "delete", "rewind", "force", "merge", "rename", "remove", "tag", "remote", "gc",
             "corrupt"]
    ops = ["branch"] * 4 + kinds * 3  # each kind of change three times, in a random order
    rng.shuffle(ops)
    for step, op in enumerate(ops):
        refs = history.refs()
        names = sorted(refs)
        if op == "branch" or not names:
            start = refs[rng.choice(names)] if names and rng.random() < 0.8 else main
            commit = history.commit([start], add=new_names(rng.randint(1, 3)))
            history.git("update-ref", f"refs/heads/topic-{step}", commit)
        elif op == "advance":
            ref = rng.choice(names)
            history.git("update-ref", ref, history.commit([refs[ref]], add=new_names(1)))
        elif op == "delete":
            history.git("update-ref", "-d", rng.choice(names))
        elif op == "rewind":
            ref = rng.choice(names)
            parent = history.git("rev-list", "--parents", "-n", "1", refs[ref]).split()[1:]
            if parent:
                history.git("update-ref", ref, parent[0])
        elif op == "force":  # the branch replaced by a rewritten one: its old commits unreachable
            ref = rng.choice(names)
            history.git("update-ref", ref, history.commit([main], add=new_names(rng.randint(0, 2))))
        elif op == "merge" and len(names) > 1:
            ours, theirs = rng.sample(names, 2)
            drop = history.files(refs[theirs])[:1] if rng.random() < 0.5 else []
            merged = history.commit([refs[ours], refs[theirs]], remove=drop, tree_of=refs[ours])
            history.git("update-ref", ours, merged)
            if rng.random() < 0.5:
                history.git("update-ref", "-d", theirs)  # merged, then deleted: its commits stay reachable
        elif op == "rename":
            ref = rng.choice(names)
            present = history.files(refs[ref])
            if present:
                old = rng.choice(present)
                commit = history.commit([refs[ref]], add=new_names(1), remove=[old])
                history.git("update-ref", ref, commit)
        elif op == "remove":
            ref = rng.choice(names)
            present = history.files(refs[ref])
            if present:
                history.git("update-ref", ref, history.commit([refs[ref]], remove=[rng.choice(present)]))
        elif op == "tag":
            history.git("tag", "-a", "-m", "tag", f"v{step}", refs[rng.choice(names)])
        elif op == "remote":
            commit = history.commit([refs[rng.choice(names)]], add=new_names(1))
            history.git("update-ref", f"refs/remotes/origin/r{step}", commit)
        elif op == "gc":
            history.git("reflog", "expire", "--expire=now", "--all")
            history.git("gc", "-q", "--prune=now")
        elif op == "corrupt":
            allocation.cache_path(sk).parent.mkdir(parents=True, exist_ok=True)
            allocation.cache_path(sk).write_text(rng.choice(["{", "[]", '{"format": 1}', "\x00"]))
        full = allocation.full_scan(sk)
        assert allocation.highest_in_history(sk) == full, (step, op)
        assert allocation.highest_in_history(sk) == full, (step, op)  # and from the cache just written
        if step % 8 == 7:
            allocation.cache_path(sk).unlink()
            assert allocation.highest_in_history(sk) == full, (step, "cold")
        checked += 1
    assert checked == len(ops) and full > 40


def git_commands(trace: Path) -> list[str]:
    return [line.split("trace: built-in: ", 1)[1] for line in trace.read_text().splitlines()
            if "trace: built-in: git " in line]


def test_the_history_is_walked_only_where_refs_moved(project: Repo, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    allocation = load_allocation()
    history = History(project, tmp_path)
    sk = project_of(project)
    main = project.git("rev-parse", "HEAD").strip()
    history.git("update-ref", "refs/heads/one", history.commit([main], add=["STORY-007-seven.md"]))
    assert allocation.highest_in_history(sk) == 7  # cold: the full walk
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    assert allocation.highest_in_history(sk) == 7
    assert not [c for c in git_commands(trace) if c.startswith("git log")]  # no ref moved: no walk
    cached = json.loads(allocation.cache_path(sk).read_text())
    assert cached["commits"] == {history.git("rev-parse", "one").strip(): 7}

    trace.unlink()
    history.git("update-ref", "refs/heads/two", history.commit([main], add=["STORY-009-nine.md"]))
    assert allocation.highest_in_history(sk) == 9
    walks = [c for c in git_commands(trace) if c.startswith("git log")]
    assert len(walks) == 1 and "--stdin" in walks[0]  # one walk, from the new tips, the old ones excluded
    assert not [c for c in git_commands(trace) if "rev-list --stdin" in c]  # no tip gone: nothing to check

    trace.unlink()
    history.git("update-ref", "-d", "refs/heads/two")  # a tip gone: its commits checked, none walked
    assert allocation.highest_in_history(sk) == 7
    commands = git_commands(trace)
    assert not [c for c in commands if c.startswith("git log")]
    assert len([c for c in commands if "rev-list --stdin" in c]) == 1


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"\xff\xfe", b'{"format": 1, "tips": "x"}', b"[1, 2]"])
def test_a_corrupt_cache_is_a_full_scan_and_is_rewritten(project: Repo, tmp_path: Path, garbage: bytes) -> None:
    allocation = load_allocation()
    history = History(project, tmp_path)
    sk = project_of(project)
    main = project.git("rev-parse", "HEAD").strip()
    history.git("update-ref", "refs/heads/one", history.commit([main], add=["STORY-012-x.md"]))
    path = allocation.cache_path(sk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(garbage)
    assert allocation.highest_in_history(sk) == 12
    assert json.loads(path.read_text())["commits"]


def test_a_cache_remembering_commits_that_no_longer_exist_is_a_full_scan(project: Repo, tmp_path: Path) -> None:
    allocation = load_allocation()
    history = History(project, tmp_path)
    sk = project_of(project)
    main = project.git("rev-parse", "HEAD").strip()
    history.git("update-ref", "refs/heads/one", history.commit([main], add=["STORY-003-x.md"]))
    assert allocation.highest_in_history(sk) == 3
    data = json.loads(allocation.cache_path(sk).read_text())
    ghost = "0123456789abcdef0123456789abcdef01234567"
    data["tips"] = sorted([*data["tips"], ghost])  # a tip pruned since, and a story "seen" there
    data["commits"][ghost] = 99
    allocation.cache_path(sk).write_text(json.dumps(data))
    assert allocation.highest_in_history(sk) == 3


def test_the_cache_stays_out_of_git_and_a_changed_folder_or_prefix_forgets_it(project: Repo,
                                                                               tmp_path: Path) -> None:
    allocation = load_allocation()
    history = History(project, tmp_path)
    main = project.git("rev-parse", "HEAD").strip()
    history.git("update-ref", "refs/heads/one", history.commit([main], add=["STORY-005-x.md", "TASK-008-y.md"]))
    assert allocation.highest_in_history(project_of(project)) == 5
    assert project.git("status", "--porcelain") == ""  # .storykit/ is git-ignored
    project.write("storykit.toml", project.read("storykit.toml") + 'id_prefix = "TASK-"\n')
    assert allocation.highest_in_history(project_of(project)) == 8


def test_outside_git_and_before_the_first_commit_nothing_is_taken(tmp_path: Path) -> None:
    allocation = load_allocation()
    plain = Repo(tmp_path / "plain")
    plain.root.mkdir()
    assert plain.run("init").exit_code == 0
    assert allocation.highest_in_history(project_of(plain)) == 0
    plain.git("init", "-q")
    assert allocation.highest_in_history(project_of(plain)) == 0
    assert allocation.full_scan(project_of(plain)) == 0


def test_work_tree_ids_are_the_front_matter_ids_and_follow_edits(project: Repo) -> None:
    allocation = load_allocation()
    assert project.new("--id", "2", title="Named two").exit_code == 0
    path = project.root / "stories" / "STORY-002-named-two.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("id: STORY-002", "id: STORY-009", 1), encoding="utf-8")  # a hand edit
    project.write("stories/STORY-004-broken.md", "---\nid: [unclosed\n---\n")
    sk = project_of(project)
    assert sorted(allocation.work_tree_numbers(sk)) == [4, 9]
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # old enough to be remembered
    assert sorted(allocation.work_tree_numbers(sk)) == [4, 9]
    assert "STORY-002-named-two.md" in json.loads(allocation.ids_path(sk).read_text())["files"]
    path.write_text(text.replace("id: STORY-002", "id: STORY-011", 1), encoding="utf-8")  # same size
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))  # a new mtime: read again
    assert sorted(allocation.work_tree_numbers(sk)) == [4, 11]
    allocation.ids_path(sk).write_bytes(b"\x00garbage")
    assert sorted(allocation.work_tree_numbers(sk)) == [4, 11]
