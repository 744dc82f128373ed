"""Everything storykit asks of git, in one place.

Reads are single ``git`` calls through subprocess (cheap: they sit on the path of
every test run); the commit goes through GitPython's ``repo.git.commit`` — git's own
``commit``, so hooks, signing and the identity check apply (GitPython's
``index.commit`` would skip them and commit as ``root`` with no user.name).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from storykit.errors import GitError


def _git(root: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=root, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, encoding="utf-8", errors="replace",
    )
    if check and proc.returncode != 0:
        raise GitError(f"git {args[0]} failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
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


def snapshot(root: Path) -> str | None:
    """A tree object of the whole work tree as it is now (tracked and untracked files,
    .gitignore respected), without touching the real index: the evidence of exactly
    what the code was at a test run."""
    top = toplevel(root)
    if top is None:
        return None
    try:
        return _snapshot(top)
    except GitError:
        return None  # e.g. unmerged paths mid-merge: the run is still recorded, without a tree


def _snapshot(top: Path) -> str:
    git_dir = Path(_git(top, "rev-parse", "--absolute-git-dir").strip())
    with tempfile.TemporaryDirectory(prefix="storykit-index-") as tmp:
        index = Path(tmp) / "index"
        real = git_dir / "index"
        if real.exists():
            index.write_bytes(real.read_bytes())  # starting from it, only changed files are hashed
        env = {**os.environ, "GIT_INDEX_FILE": str(index)}
        _git(top, "add", "-A", "--", ".", env=env)
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


def files_in_all_refs(root: Path, folder: str) -> list[str]:
    """Every file path ever added under ``folder`` on any branch, remote-tracking
    branch or tag: one ``git log`` over all refs, not one call per ref."""
    if toplevel(root) is None:
        return []
    proc = subprocess.run(
        ["git", "log", "--all", "--format=", "--name-only", "--diff-filter=AR", "--", folder],
        cwd=root, capture_output=True, text=True, stdin=subprocess.DEVNULL, encoding="utf-8", errors="replace",
    )
    return [line for line in proc.stdout.splitlines() if line] if proc.returncode == 0 else []


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
