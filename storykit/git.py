"""Everything storykit asks of git, in one place.

Reads are single ``git`` calls through subprocess (cheap: they sit on the path of
every test run); the commit goes through GitPython's ``repo.git.commit`` — git's own
``commit``, so hooks, signing and the identity check apply (GitPython's
``index.commit`` would skip them and commit as ``root`` with no user.name).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from storykit.errors import GitError


def _git(root: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=root, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, encoding="utf-8", errors="replace",
    )
    if check and proc.returncode != 0:
        why = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode
        raise GitError(f"git {args[0]} failed: {why}")
    return proc.stdout


def toplevel(root: Path) -> Path | None:
    """The work tree containing ``root``, or None outside git (or without git)."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return None
    # Bytes decoded as the file system does, so a non-ASCII path works whatever the locale.
    return Path(os.fsdecode(proc.stdout.strip())) if proc.returncode == 0 else None


def head(root: Path) -> str | None:
    """The commit HEAD points to, or None (no commits yet, or not a repository)."""
    proc = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=root, capture_output=True,
                          text=True, encoding="utf-8", errors="replace", stdin=subprocess.DEVNULL)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def head_and_snapshot(root: Path, read: Callable[[], None] | None = None) -> tuple[str | None, str | None]:
    """HEAD (None before the first commit) and a tree object of the whole work tree as
    it is now (tracked and untracked files, .gitignore respected), made without
    touching the real index: the evidence of exactly what the code was at a test run.
    git is asked for the work tree, its git folder and HEAD in one call (it is on the
    path of every test run).  ``read`` is called once git has read the work tree
    (``add -A``); the tree object it writes next comes from the index copy alone."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--show-toplevel", "--absolute-git-dir", "--verify", "-q", "HEAD"],
                              cwd=root, capture_output=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return None, None
    found = proc.stdout.split(b"\n")
    born = proc.returncode == 0
    if not born and not (proc.returncode == 1 and found[0]):
        return None, None  # not a repository (an unborn HEAD is exit 1, the paths printed)
    commit = None
    try:
        if len(found) == (4 if born else 3) and not found[-1]:  # the paths as the file system spells them
            commit = (found[2].decode("ascii", "replace").strip() or None) if born else None
            return commit, _snapshot(Path(os.fsdecode(found[0])), Path(os.fsdecode(found[1])), read)
        commit = head(root)  # a path holding a newline: asked one at a time
        top = toplevel(root)
        if top is None:
            return commit, None
        return commit, _snapshot(top, Path(_git(top, "rev-parse", "--absolute-git-dir").strip()), read)
    except GitError:
        return commit, None  # e.g. unmerged paths mid-merge: the run is still recorded, without a tree


class Snapshot:
    """``head_and_snapshot`` taken by git's processes in a thread, started as early as
    possible (run-tests starts it before importing what it needs, and waits for
    ``read`` before any test starts): the same commit and tree, sooner.  git writes the
    tree object from its copy of the index while the tests run: once ``add -A`` has
    read the work tree, nothing the tests do can change that tree."""

    def __init__(self, root: Path) -> None:
        import threading

        self.root = root
        self._found: tuple[str | None, str | None] | None = None
        self._error: BaseException | None = None
        self._read = threading.Event()
        self._thread = threading.Thread(target=self._take, name="storykit-snapshot", daemon=True)
        self._thread.start()

    def _take(self) -> None:
        try:
            self._found = head_and_snapshot(self.root, self._read.set)
        except BaseException as exc:  # raised in the thread that asks, as a call would
            self._error = exc
        finally:
            self._read.set()

    def read(self) -> None:
        """Wait until git has read the work tree (or failed to): then the tests may start."""
        self._read.wait()

    def settle(self) -> None:
        """Wait for git to be done, whatever it found (its temporary index is removed)."""
        self._thread.join()

    def result(self) -> tuple[str | None, str | None]:
        """(HEAD, the work tree's tree), once git is done."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._found is not None
        return self._found


_early: Snapshot | None = None  # started by ``storykit run-tests`` before the project was found


def start_early(here: Path) -> Snapshot:
    """Start git's snapshot in ``here`` (the working directory) before anything else is
    imported or read: ``storykit run-tests`` does, so git reads the work tree while
    Python starts; ``early`` hands it to the run once the project's root is known."""
    global _early
    _early = Snapshot(here)
    return _early


def early(root: Path) -> Snapshot | None:
    """The snapshot ``start_early`` started, when git finds the same repository from
    where it started as from ``root``: ``root`` is that folder or one above it, and no
    folder in between holds a ``.git`` or lies on another file system (where git's
    search from there stops); then git's search from both meets the same work tree.
    Taken once; None when there is none or it may differ (then wait for it with
    ``settle_early`` and take a snapshot of ``root``)."""
    global _early
    found, _early = _early, None
    if found is None:
        return None
    if os.environ.get("GIT_CEILING_DIRECTORIES") or not _same_search(found.root, root):
        found.settle()
        return None
    return found


def drop_early() -> None:
    """Forget a snapshot ``start_early`` started that no run took (waiting for git)."""
    global _early
    found, _early = _early, None
    if found is not None:
        found.settle()


def _same_search(here: Path, root: Path) -> bool:
    try:
        here, root = here.resolve(), root.resolve()
        if here != root and root not in here.parents:
            return False
        device = root.stat().st_dev
        folder = here
        while folder != root:
            if os.path.lexists(folder / ".git") or folder.stat().st_dev != device:
                return False
            folder = folder.parent
    except OSError:
        return False
    return True


def _snapshot(top: Path, git_dir: Path, read: Callable[[], None] | None = None) -> str:
    with tempfile.TemporaryDirectory(prefix="storykit-index-") as tmp:
        index = Path(tmp) / "index"
        real = git_dir / "index"
        if real.exists():
            index.write_bytes(real.read_bytes())  # starting from it, only changed files are hashed
        env = {**os.environ, "GIT_INDEX_FILE": str(index)}
        _git(top, "add", "-A", "--", ".", env=env)  # every file's bytes are in git's objects now
        if read is not None:
            read()
        return _git(top, "write-tree", env=env).strip()


@dataclass(frozen=True)
class FileChange:
    path: str
    added: int
    deleted: int


def diff_trees(root: Path, old: str, new: str, exclude: list[str]) -> list[FileChange]:
    """Files changed between two trees, with line counts (binary files count 0)."""
    specs = ["--", "."] + [f":(exclude){p}" for p in exclude]
    out = _git(root, "diff", "--numstat", "--no-renames", old, new, *specs)
    changes = []
    for line in out.splitlines():
        added, deleted, path = line.split("\t", 2)
        changes.append(FileChange(path, int(added) if added.isdigit() else 0, int(deleted) if deleted.isdigit() else 0))
    return changes


def diff_text(root: Path, old: str, new: str, paths: list[str]) -> str:
    """The unified diff of ``paths`` (as ``diff_trees`` names them) between two trees."""
    if not paths:
        return ""
    return _git(root, "diff", "--no-color", "--no-renames", "--no-ext-diff", old, new, "--",
                *[f":(top){p}" for p in paths])


def generated_paths(root: Path, paths: list[str]) -> list[str]:
    """Those of ``paths`` that .gitattributes marks ``linguist-generated`` (GitHub
    collapses them in a pull request's diff; so does Step 3 of a story)."""
    found: list[str] = []
    top = toplevel(root) or root  # check-attr takes paths relative to where it runs, not pathspecs
    for start in range(0, len(paths), 500):  # bounded command lines
        out = _git(top, "check-attr", "-z", "linguist-generated", "--", *paths[start:start + 500], check=False)
        fields = out.split("\0")
        for index in range(0, len(fields) - 2, 3):
            if fields[index + 2] in ("set", "true"):
                found.append(fields[index])
    return found


def files_in_all_refs(root: Path, folder: str) -> list[str]:
    """Every ``.md`` file ever added directly under ``folder`` (relative to ``root``)
    on any branch, remote-tracking branch or tag, as paths from the repository's top:
    the full scan, one ``git log`` over the history of every ref.

    Its cost is the number of commits that touched the folder times the folder's
    size (git diffs each against its parent): about 2 s for 500 branches of a
    10,000-story project; ``storykit.project.allocation`` walks only the commits it
    has not seen before (docs/performance.md).
    """
    where = locate(root)
    tips = ref_tips(root) if where else None
    if not where or not tips:
        return []
    base = story_folder(root, folder, where[0])
    added = added_files(root, base, folder, tips, []) if base else None
    return sorted({path for paths in (added or {}).values() for path in paths})


def locate(root: Path) -> tuple[Path, Path] | None:
    """The work tree containing ``root`` and the git directory every worktree of the
    clone shares (one ``git rev-parse``); None outside git."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--show-toplevel", "--git-common-dir"], cwd=root,
                              capture_output=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return None
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) != 2:
        return None
    return Path(os.fsdecode(lines[0])), (root / os.fsdecode(lines[1])).resolve()


def story_folder(root: Path, folder: str, top: Path) -> str | None:
    """``folder`` (relative to ``root``) as a path from the work tree's ``top``, ending
    in ``/``; None when ``root`` is not inside it."""
    try:
        prefix = root.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None
    return posixpath.normpath(posixpath.join(prefix, folder)) + "/"


def ref_tips(root: Path) -> list[str] | None:
    """The commits every ref and HEAD point to, as ``git log --all`` starts from them
    (sorted, each once); [] in a repository with no commits, None outside git.

    Here and in the walks below, replace refs do not rewrite history
    (``--no-replace-objects``): a commit's history is the one its objects record."""
    try:
        proc = subprocess.run(["git", "--no-replace-objects", "rev-list", "--all", "--no-walk"], cwd=root,
                              capture_output=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return None
    if proc.returncode != 0:
        return None if toplevel(root) is None else []
    return sorted(set(proc.stdout.decode("ascii", "replace").split()))


def added_files(root: Path, base: str, folder: str, tips: list[str],
                seen: list[str]) -> dict[str, list[str]] | None:
    """commit -> the ``.md`` files it added directly under ``folder``, for every commit
    in the history of ``tips`` and not in the history of ``seen``: one ``git log``.

    Every commit of that history is walked (``--full-history``: a side branch that
    was merged back is not skipped), each non-merge commit compared with its parent
    without rename detection (a renamed file is an added one), so the result for a
    set of commits depends on those commits only and walks of disjoint histories add
    up exactly.  Paths are from the repository's top.  None when git fails (e.g. a
    commit of ``seen`` no longer exists).  ``base``: ``story_folder`` of ``folder``.
    """
    if not tips:
        return {}
    revs = "".join(f"{tip}\n" for tip in tips) + "".join(f"^{commit}\n" for commit in seen)
    proc = subprocess.run(
        ["git", "--no-replace-objects", "log", "--stdin", "-z", "--format=%x01%H", "--name-only", "--no-renames",
         "--full-history", "--diff-filter=A", "--", folder],
        cwd=root, capture_output=True, input=revs.encode("ascii"),
    )
    if proc.returncode != 0:
        return None
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for token in proc.stdout.split(b"\0"):
        if token.startswith(b"\x01"):
            current = found.setdefault(token[1:].decode("ascii", "replace").strip(), [])
            continue
        path = os.fsdecode(token.lstrip(b"\n"))
        # The pathspec also matches sub-folders; only the folder's own files are stories.
        if path.startswith(base) and path.endswith(".md") and "/" not in path[len(base):]:
            current.append(path)
    return found


def unreachable(root: Path, commits: list[str], tips: list[str]) -> set[str] | None:
    """Those of ``commits`` that are not in the history of ``tips`` (one ``git
    rev-list``); None when git fails (e.g. one of them no longer exists)."""
    if not commits:
        return set()
    revs = "".join(f"{commit}\n" for commit in commits) + "".join(f"^{tip}\n" for tip in tips)
    proc = subprocess.run(["git", "--no-replace-objects", "rev-list", "--stdin"], cwd=root, capture_output=True,
                          input=revs.encode("ascii"))
    if proc.returncode != 0:
        return None
    return set(proc.stdout.decode("ascii", "replace").split()) & set(commits)


def history_salt(common: Path) -> str:
    """What, besides the commits, decides a history: the shallow boundary and the
    grafts (a change of either makes remembered walks stale)."""
    parts = []
    for name in ("shallow", "info/grafts"):
        try:
            parts.append((common / name).read_bytes())
        except OSError:
            parts.append(b"-")
    return hashlib.sha1(b"\0".join(parts)).hexdigest()


def changed_since(root: Path, ref: str) -> list[str]:
    """The paths (relative to ``root``) that changed between the merge base of
    ``ref`` and HEAD: ``git diff --name-only REF...HEAD``, what a pull request touched."""
    out = _git(root, "diff", "--name-only", "--relative", "-z", f"{ref}...HEAD", "--")
    return sorted(p for p in out.split("\0") if p)


def listed_files(root: Path, folder: str) -> list[str] | None:
    """The files git tracks, or would track (untracked but not ignored), under
    ``folder``, relative to ``root`` and sorted; None outside git (or without git)."""
    try:
        proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", folder],
                              cwd=root, capture_output=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return None
    if proc.returncode != 0:
        return None
    return sorted({os.fsdecode(p) for p in proc.stdout.split(b"\0") if p})


def commit_files(root: Path, sha: str) -> list[str]:
    """The paths one commit changed (relative to the repository's top)."""
    return [p for p in _git(root, "show", "--name-only", "--format=", sha).splitlines() if p]


# -- parallel agents: the other worktrees of this clone ----------------------------------

def common_dir(root: Path) -> Path | None:
    """The git directory shared by every worktree of this clone, or None outside git."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--git-common-dir"], cwd=root, capture_output=True,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return None
    if proc.returncode != 0:
        return None
    return (root / os.fsdecode(proc.stdout.strip())).resolve()  # relative to root when not absolute


def worktrees(root: Path) -> list[Path]:
    """The work trees of this clone (``git worktree list --porcelain``), the main one
    first; bare entries and those whose folder is gone are left out."""
    try:
        proc = subprocess.run(["git", "worktree", "list", "--porcelain", "-z"], cwd=root, capture_output=True,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return []
    if proc.returncode != 0:
        return []
    found: list[Path] = []
    current: Path | None = None
    for field in os.fsdecode(proc.stdout).split("\0") + [""]:
        if field.startswith("worktree "):
            current = Path(field[len("worktree "):])
        elif field in ("bare", "prunable") or field.startswith("prunable "):
            current = None
        elif field == "" and current is not None:
            if current.is_dir():
                found.append(current)
            current = None
    return found


# -- merge driver support: reading the three sides of a merge without touching the work tree --

def git_dir(root: Path) -> Path:
    """The repository's .git directory (a worktree's own one, where the merge state lives)."""
    return Path(_git(root, "rev-parse", "--absolute-git-dir").strip())


def config_get(root: Path, key: str) -> str | None:
    """A value of the repository's git config, or None when unset."""
    value = _git(root, "config", "--get", key, check=False)
    return value.rstrip("\n") if value else None


def config_set(root: Path, key: str, value: str) -> None:
    """Set a key in the repository's own config (``.git/config``, never the user's)."""
    _git(root, "config", "--local", key, value)


def resolve(root: Path, rev: str) -> str | None:
    """The object id ``rev`` names (a commit, or ``commit:path``), or None."""
    out = _git(root, "rev-parse", "--verify", "-q", rev, check=False).strip()
    return out or None


def hash_files(root: Path, paths: list[Path]) -> list[str]:
    """Blob ids of files as they are (no filters: the bytes git would store)."""
    return _git(root, "hash-object", "--no-filters", "--", *map(str, paths)).split()


def merge_bases(root: Path, one: str, other: str) -> list[str]:
    """Every best common ancestor of two commits (more than one in a criss-cross history)."""
    return _git(root, "merge-base", "--all", one, other, check=False).split()


def tree_files(root: Path, commit: str, folder: str) -> dict[str, str]:
    """path -> blob id of the files directly in ``folder`` at ``commit`` (one call)."""
    prefix = folder.rstrip("/") + "/" if folder not in ("", ".") else ""
    out = _git(root, "ls-tree", "-z", commit, "--", prefix or ".")
    found = {}
    for record in out.split("\0"):
        if not record:
            continue
        info, path = record.split("\t", 1)
        _, kind, blob = info.split()
        if kind == "blob":
            found[path] = blob
    return found


def read_blobs(root: Path, blobs: list[str]) -> dict[str, bytes]:
    """The contents of many blobs through one ``git cat-file --batch``."""
    unique = sorted(set(blobs))
    if not unique:
        return {}
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=root, input="\n".join(unique).encode() + b"\n",
                          capture_output=True)
    if proc.returncode != 0:
        raise GitError(f"git cat-file failed: {proc.stderr.decode(errors='replace').strip()}")
    data, found, pos = proc.stdout, {}, 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].decode().split()
        pos = end + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        found[header[0]] = data[pos:pos + size]
        pos += size + 1  # the content is followed by a newline
    return found


def merge_texts(root: Path, base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
    """git's own three-way merge of three texts; None when they conflict."""
    with tempfile.TemporaryDirectory(prefix="storykit-merge-") as tmp:
        names = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp) / name
            path.write_bytes(data)
            names.append(str(path))
        proc = subprocess.run(["git", "merge-file", "-p", *names], cwd=root, capture_output=True)
    return proc.stdout if proc.returncode == 0 else None


def merge_file(root: Path, current: Path, base: Path, other: Path) -> int:
    """git's default text merge into ``current`` (conflict markers included); the
    number of conflicts, as ``git merge-file`` returns it."""
    return subprocess.run(["git", "merge-file", "-L", "ours", "-L", "base", "-L", "theirs",
                           str(current), str(base), str(other)], cwd=root, capture_output=True).returncode


def commit_blockers(root: Path) -> str | None:
    """Why a commit cannot be made here now, or None."""
    top = toplevel(root)
    if top is None:
        return "not a git repository"
    git_dir = Path(_git(top, "rev-parse", "--absolute-git-dir").strip())
    for marker, what in (("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase"),
                         ("CHERRY_PICK_HEAD", "a cherry-pick"), ("REVERT_HEAD", "a revert")):
        if (git_dir / marker).exists():
            return f"{what} is in progress: finish or abort it first"
    if subprocess.run(["git", "symbolic-ref", "-q", "HEAD"], cwd=top, capture_output=True).returncode != 0:
        return "HEAD is detached: check out a branch first (git switch -c NAME)"
    for key, env, example in (("user.name", ("GIT_AUTHOR_NAME",), "Your Name"),
                              ("user.email", ("GIT_AUTHOR_EMAIL", "EMAIL"), "you@example.com")):
        if not _git(top, "config", "--get", key, check=False).strip() and not any(os.environ.get(e) for e in env):
            return f"git has no {key}: set it with git config --global {key} \"{example}\""
    return None


def commit(root: Path, paths: list[Path], message: str) -> str:
    """Stage ``paths`` (files storykit wrote) and commit them with what the user had
    already staged.  On failure the index is restored exactly and GitError raised."""
    import git

    top = toplevel(root)
    if top is None:
        raise GitError("not a git repository")
    repo = git.Repo(top)
    saved_index = _git(top, "write-tree").strip()
    try:
        repo.git.add("--", *[str(p) for p in paths])
        repo.git.commit("-m", message)
    except git.GitCommandError as exc:
        _git(top, "read-tree", saved_index)
        step = exc.command[1] if isinstance(exc.command, list) and len(exc.command) > 1 else "commit"
        raise GitError(f"git {step} failed: {_reason(exc.stderr or exc.stdout or '', exc.status)}",
                       hint="the story was left as it was; fix this and run complete again") from None
    finally:
        repo.close()
    return _git(top, "rev-parse", "HEAD").strip()


def _reason(output: str, status: object) -> str:
    """git's (or a hook's) reason on one line: its fatal/error line, a list it
    introduces with a colon, or else its last line; git's hints left out."""
    text = output.strip()
    if text.startswith("stderr: "):  # GitPython's wrapping: stderr: '...'
        text = text[len("stderr: "):].strip("'")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("hint:")]
    if not lines:
        return f"exit {status}"
    for line in lines:
        for prefix in ("fatal: ", "error: "):
            if line.startswith(prefix):
                return line[len(prefix):]
    if lines[0].endswith(":"):  # "The following paths are ignored ...:" and the paths
        listed = lines[1:6] + (["..."] if len(lines) > 6 else [])
        return " ".join([lines[0], *listed])
    return lines[-1]


def show_commit(root: Path, sha: str) -> str:
    """``git show --stat`` of one commit, for the user to see what was committed."""
    return _git(root, "show", "--stat", "--format=%h %s", sha)


# -- story history: trailers, replays ---------------------------------------------------

def with_trailers(message: str, story_id: str, phase: str) -> str:
    """A commit message ending in the trailers that tie it to a story and a phase,
    so ``git log --grep "Story: STORY-003"`` finds the story's history."""
    return f"{message.rstrip()}\n\nStory: {story_id}\nPhase: {phase}\n"


def story_commits(root: Path, story_id: str) -> list[tuple[str, str]]:
    """(sha, phase) of every commit in HEAD's history whose trailers name
    ``story_id``, newest first: one ``git log --grep`` call."""
    if head(root) is None:
        return []
    pattern = "".join(f"\\{c}" if c in ".[]()*+?{}|^$\\" else c for c in story_id)  # an ERE literal
    out = _git(root, "log", "-z", "-E", f"--grep=^Story: {pattern}$",
               "--format=%H%x1f%(trailers:key=Story,valueonly,separator=%x1e)"
               "%x1f%(trailers:key=Phase,valueonly,separator=%x1e)")
    found = []
    for record in filter(None, out.split("\0")):
        sha, stories, phases = (record.strip("\n").split("\x1f") + ["", ""])[:3]
        if story_id in [s.strip() for s in stories.split("\x1e")]:
            found.append((sha.strip(), phases.split("\x1e")[-1].strip()))
    return found


@dataclass(frozen=True)
class HeadState:
    """What ``check`` needs to know of HEAD before asking about its history."""

    head: str | None  # None: no commit yet
    shallow: bool


_REV_PARSE = ("git", "rev-parse", "--is-shallow-repository", "--verify", "-q", "HEAD")
_REV_LIST = ("git", "-c", "core.fsmonitor=false", "rev-list", "HEAD", "--")


def head_state(root: Path) -> HeadState | str:
    """HEAD and whether the clone is shallow, in one ``git rev-parse``; or why git
    cannot tell (not a repository, git not installed).  Plumbing only: it runs no
    hook, filter or fsmonitor, so it is safe on an untrusted checkout."""
    try:
        proc = subprocess.run(_REV_PARSE, cwd=root, capture_output=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return "git was not found"
    return _head_state(proc.returncode, proc.stdout, proc.stderr)


def _head_state(code: int, out: bytes, err: bytes) -> HeadState | str:
    lines = out.decode("utf-8", "replace").split()
    if not lines or lines[0] not in ("true", "false"):
        stderr = err.decode("utf-8", "replace").strip()
        why = stderr.splitlines()[-1] if stderr else f"exit {code}"
        return "not a git repository" if "not a git repository" in why else f"git rev-parse failed: {why}"
    return HeadState(lines[1] if len(lines) > 1 else None, lines[0] == "true")


def in_history(root: Path, commits: set[str]) -> set[str]:
    """Those of ``commits`` (full object names) that HEAD's history holds: one
    ``git rev-list HEAD`` for all of them, whatever their number.  core.fsmonitor is
    switched off: nothing from the repository's configuration runs."""
    proc = subprocess.run(_REV_LIST, cwd=root, capture_output=True, stdin=subprocess.DEVNULL)
    return _in_history(proc.returncode, proc.stdout, proc.stderr, commits)


def _in_history(code: int, out: bytes, err: bytes, commits: set[str]) -> set[str]:
    if code != 0:
        why = err.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git rev-list failed: {why[-1] if why else code}")
    wanted = {c.encode("ascii", "replace") for c in commits}
    return {c.decode("ascii") for c in wanted.intersection(out.split())}


class History:
    """``head_state`` and ``in_history``, asked of git at once and answered when needed:
    ``storykit check`` starts them before it reads the stories, and git walks the
    history while the stories are read.  ``walk=False``: no ``rev-list`` ahead (its
    answers are kept per HEAD: only a fresh clone needs it), ``in_history`` runs it.
    Use it as a context manager: a question not asked is stopped at the end."""

    def __init__(self, root: Path, *, walk: bool) -> None:
        self.root = root
        self._answers: dict[subprocess.Popen[bytes], tuple[int, bytes, bytes]] = {}
        self._parse = self._start(_REV_PARSE)
        self._list = self._start(_REV_LIST) if walk and self._parse is not None else None
        if self._list is not None and self._list.stdout is not None:
            from storykit.project import loading

            loading.roomy(self._list.stdout.fileno())  # 40,000 commits' names: git walks on while they wait

    def _start(self, args: tuple[str, ...]) -> subprocess.Popen[bytes] | None:
        try:
            return subprocess.Popen(args, cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL)
        except OSError:  # git not installed, or no process to be had: asked again, when needed, as usual
            return None

    def head_state(self) -> HeadState | str:
        if self._parse is None:
            return head_state(self.root)
        return _head_state(*self._answer(self._parse))

    def in_history(self, commits: set[str]) -> set[str]:
        if self._list is None:
            return in_history(self.root, commits)
        return _in_history(*self._answer(self._list), commits)

    def _answer(self, proc: subprocess.Popen[bytes]) -> tuple[int, bytes, bytes]:
        """What git answered (exit code, output, errors), waited for once."""
        if proc not in self._answers:
            out, err = proc.communicate()
            self._answers[proc] = (proc.returncode, out, err)
        return self._answers[proc]

    def __enter__(self) -> History:
        return self

    def __exit__(self, *_: object) -> None:
        for proc in (self._parse, self._list):
            if proc is not None and proc.returncode is None:
                proc.kill()
                proc.communicate()


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether ``older`` is in the history of ``newer`` (or is ``newer``)."""
    return subprocess.run(["git", "merge-base", "--is-ancestor", older, newer], cwd=root,
                          capture_output=True, stdin=subprocess.DEVNULL).returncode == 0


def uncommitted(root: Path, exclude: list[Path]) -> list[str]:
    """Paths (relative to the work tree) that differ from HEAD or are untracked,
    outside ``exclude``: what a commit just made does not hold."""
    top = toplevel(root)
    if top is None:
        return []
    specs = ["--", "."] + [f":(exclude){p.resolve().relative_to(top.resolve()).as_posix()}" for p in exclude]
    out = _git(top, "status", "--porcelain", "-z", "--untracked-files=all", *specs)
    entries = out.split("\0")
    paths: list[str] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        if entry:
            paths.append(entry[3:])
            if entry[0] in "RC":  # a rename is followed by its old path
                index += 1
        index += 1
    return sorted(paths)


def changed_between(root: Path, old: str, new: str) -> list[str]:
    """Every path (relative to the repository's top) that differs between two commits."""
    top = toplevel(root)
    out = _git(top or root, "diff", "--name-only", "--no-renames", "-z", old, new, "--")
    return sorted(p for p in out.split("\0") if p)


def not_committable(root: Path, paths: list[str]) -> list[tuple[str, str]]:
    """Of ``paths`` (relative to ``root``), those a commit of the index would not hold
    as they are on disk: ``(path, "not staged")`` for a change not added, ``(path,
    "untracked")`` for a file git does not track; in the order of ``paths``."""
    if not paths:
        return []
    top = toplevel(root)
    if top is None:
        return []
    base = root.resolve().relative_to(top.resolve()).as_posix()
    wanted = {posixpath.normpath(posixpath.join(base, p)): p for p in paths}
    out = _git(top, "status", "--porcelain", "-z", "--untracked-files=all", "--",
               *(f":(literal){p}" for p in wanted))
    found: dict[str, str] = {}
    entries = out.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":
            index += 1  # a rename is followed by its old path
        if code == "??":
            found[path] = "untracked"
        elif code[1] != " ":
            found.setdefault(path, "not staged")
    return [(wanted[p], found[p]) for p in wanted if p in found]


@contextmanager
def worktree(root: Path, sha: str) -> Iterator[Path]:
    """A temporary detached checkout of ``sha`` (``git worktree add --detach``),
    removed afterwards whatever happens.  The repository's hooks do not run."""
    top = toplevel(root)
    if top is None:
        raise GitError("not a git repository", hint="verify replays the story's commits; run it inside the repository")
    holder = Path(tempfile.mkdtemp(prefix="storykit-verify-"))
    # git names a worktree's admin folder after the checkout's folder: a unique name,
    # so that replays running side by side (verify --all) never share one.
    path = holder / holder.name
    try:
        with _worktree_lock(top):
            _git(top, "-c", "core.hooksPath=/dev/null", "worktree", "add", "--detach", "--quiet", str(path), sha)
        yield path
    finally:
        try:
            with _worktree_lock(top):
                _git(top, "worktree", "remove", "--force", str(path))
        except GitError:  # only then: a prune beside another replay's 'add' breaks it
            shutil.rmtree(holder, ignore_errors=True)
            with _worktree_lock(top):
                _git(top, "worktree", "prune", check=False)
        shutil.rmtree(holder, ignore_errors=True)


@contextmanager
def _worktree_lock(top: Path) -> Iterator[None]:
    """One ``git worktree add`` or ``remove`` of this clone at a time: git reads every
    worktree's admin folder while it adds one, and fails on another's half-written one
    ("failed to read .git/worktrees/.../commondir") when replays run side by side."""
    from filelock import FileLock

    where = common_dir(top) or top / ".git"
    with FileLock(str(where / "storykit-worktree.lock")):
        yield


# -- the save transaction's undo: HEAD and the index as they were ------------------------

@dataclass(frozen=True)
class IndexState:
    """HEAD and the index file's exact bytes, taken before storykit commits."""

    top: Path
    head: str | None
    index: Path
    data: bytes | None


def index_state(root: Path) -> IndexState | None:
    """HEAD and the index as they are now; None outside git."""
    top = toplevel(root)
    if top is None:
        return None
    index = Path(_git(top, "rev-parse", "--path-format=absolute", "--git-path", "index").strip())
    try:
        data: bytes | None = index.read_bytes()
    except FileNotFoundError:
        data = None
    return IndexState(top, head(top), index, data)


def restore_index_state(state: IndexState) -> None:
    """Put HEAD's branch and the index back as ``state`` found them (a commit made
    since is dropped from the branch, as ``git reset --soft`` would; its objects stay)."""
    if head(state.top) != state.head:
        if state.head is None:
            _git(state.top, "update-ref", "-d", "HEAD")
        else:
            _git(state.top, "update-ref", "HEAD", state.head)
    if state.data is None:
        state.index.unlink(missing_ok=True)
    elif not state.index.exists() or state.index.read_bytes() != state.data:
        spare = state.index.with_name(f"{state.index.name}.storykit-restore")
        spare.write_bytes(state.data)
        os.replace(spare, state.index)
