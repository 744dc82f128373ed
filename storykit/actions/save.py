"""The one save transaction every writer uses (run-tests, complete, validate, new,
renumber): lock -> reload -> refuse if the story changed since it was read -> write
the story (or stories) -> regenerate the tracker -> commit (optional).

On any exception on the way (a refusal, a full disk, a permission error, a failing
git hook, Ctrl-C, a bug) every file the transaction wrote is put back byte for byte
(mode included), a file it created is removed, and HEAD's branch and the git index
are put back exactly as they were; then the exception goes on.  A read-only story is
refused, never rewritten: ``require_writable`` is called before any test runs, and
again at each write.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from storykit import git
from storykit.errors import GitError, Refused, StorykitError
from storykit.project import tracker
from storykit.project.files import project_lock, write_atomic, write_text_atomic
from storykit.story import records
from storykit.story.model import Story, load

if TYPE_CHECKING:
    from storykit.project.store import Project


def require_writable(project: Project, *paths: Path) -> None:
    """Refuse (exit 2) a file storykit would rewrite that is read-only: someone made
    it so on purpose, and ``os.replace`` would rewrite it anyway."""
    for path in paths:
        try:
            mode = path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue  # nothing there to protect; writing it will say what is wrong
        if stat.S_ISREG(mode) and (not mode & stat.S_IWUSR or not os.access(path, os.W_OK)):
            rel = project.rel(path)
            raise StorykitError(f"{rel} is read-only: make it writable (chmod u+w {rel}) and run again")


def _cannot_write(project: Project, path: Path, exc: OSError) -> StorykitError:
    return StorykitError(f"cannot write {project.rel(path)}: {exc.strerror or exc}",
                         hint="nothing was changed: fix that and run again")


class Transaction:
    """The writes of one save, remembered so that they can all be undone."""

    def __init__(self, project: Project, ahead: tracker.Ahead | None = None) -> None:
        self.project = project
        self._ahead = ahead  # a proof made before the lock, trusted if nothing changed since
        self._originals: dict[Path, tuple[bytes, int] | None] = {}
        self._made: list[Path] = []  # folders a write created (the evidence folder), removed on rollback
        self._git: git.IndexState | None = None
        self._git_taken = False
        # Each file as it was before this save ((size, mtime_ns), bytes; None: absent) and
        # the bytes the save wrote: what lets the tracker update one story's rows.
        self._before: dict[Path, tuple[tuple[int, int] | None, bytes | None]] = {}
        self._written: dict[Path, bytes] = {}
        self._known: tracker.Known | None = None
        self._proved = False

    def reload(self, story: Story, *, during: str, again: str) -> Story:
        """The story as it is now; refused when its status or runs changed since
        ``story`` was read (another storykit ran meanwhile)."""
        try:
            fresh = load(story.path)
        except FileNotFoundError:
            rel = self.project.rel(story.path)
            raise Refused(f"{rel} was deleted while {during}, so nothing was recorded",
                          hint=f"restore it (git checkout -- {rel}) and run again") from None
        if fresh.status != story.status or fresh.runs != story.runs:
            raise Refused(f"{story.id} changed while {during} (now {fresh.status})", hint=again)
        return fresh

    def _keep(self, path: Path) -> None:
        if path in self._originals:
            return
        try:
            status = path.stat()  # before reading: the stamp is never newer than the bytes
            data = path.read_bytes()
            self._originals[path] = (data, stat.S_IMODE(status.st_mode))
            self._before[path] = ((status.st_size, status.st_mtime_ns), data)
        except FileNotFoundError:
            self._originals[path] = None
            self._before[path] = (None, None)
        except OSError as exc:
            raise _cannot_write(self.project, path, exc) from exc

    def write(self, path: Path, text: str) -> bool:
        """Write ``text`` to ``path`` atomically (nothing when it already holds it)."""
        require_writable(self.project, path)
        self._keep(path)
        self._note_folders(path)
        try:
            wrote = write_text_atomic(path, text)
        except OSError as exc:
            raise _cannot_write(self.project, path, exc) from exc
        self._written[path] = text.encode("utf-8")
        return wrote

    def copy(self, source: Path, target: Path) -> bool:
        """Write ``source``'s bytes to ``target`` atomically (a file that moves)."""
        require_writable(self.project, target)
        self._keep(target)
        self._note_folders(target)
        try:
            data = source.read_bytes()
            wrote = write_atomic(target, data)
        except OSError as exc:
            raise _cannot_write(self.project, target, exc) from exc
        self._written[target] = data
        return wrote

    def _note_folders(self, path: Path) -> None:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            self._made.append(folder)  # made by the write that follows; rollback removes it if left empty
            folder = folder.parent

    def save(self, story: Story) -> bool:
        """Write a story to its file, and (first) its evidence file when the front
        matter changes: the per-test records of its runs (``records.save``)."""
        return story.path in records.save(story, self.write)

    def remove(self, path: Path) -> None:
        self._keep(path)
        try:
            path.unlink()
        except OSError as exc:
            raise _cannot_write(self.project, path, exc) from exc
        self._written.pop(path, None)

    def known(self) -> tracker.Known | None:
        """The tracker as it was before this save, when provably current (nothing changed
        since storykit wrote it): then one story's save updates only its rows."""
        if not self._proved:
            known = tracker.confirm(self.project, self._ahead, self._before) if self._ahead is not None else None
            self._known = known if known is not None else tracker.prove(self.project, self._before)
            self._proved = True
        return self._known

    def blocks(self, story_id: str) -> list[str]:
        """The stories that depend on ``story_id`` (the derived Blocks) before this save:
        from the tracker's record when it is current, else from every story."""
        known = self.known()
        return known.blocks(story_id) if known is not None else self.project.blocks(story_id)

    def tracker(self) -> bool:
        """Regenerate the tracker for the stories as they are now on disk: the rows of
        the story this save changed, when that gives exactly the full render, else all."""
        path = self.project.config.tracker_path
        require_writable(self.project, path)
        self._keep(path)
        known = self.known()
        self.project.invalidate()
        changed = {file: was[1] for file, was in self._before.items() if file != path}
        try:
            return tracker.save(self.project, known, changed, self._written)
        except OSError as exc:
            raise _cannot_write(self.project, path, exc) from exc

    def commit(self, paths: list[Path], message: str, *, hint: str) -> str:
        """Commit ``paths`` with what the user staged; ``hint`` says what to do when
        git refuses (the files are put back before the refusal is shown)."""
        if not self._git_taken:
            self._git, self._git_taken = git.index_state(self.project.root), True
        try:
            return git.commit(self.project.root, paths, message)
        except GitError as exc:
            raise GitError(exc.message, hint=hint) from None

    def rollback(self) -> None:
        """Undo every write, newest first; then HEAD and the index."""
        for path, original in reversed(list(self._originals.items())):
            with contextlib.suppress(OSError):
                if original is None:
                    path.unlink(missing_ok=True)
                else:
                    data, mode = original
                    write_atomic(path, data)
                    os.chmod(path, mode)
        for folder in self._made:  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: nothing else was put there
        if self._git is not None:
            with contextlib.suppress(StorykitError, OSError):
                git.restore_index_state(self._git)
        self.project.invalidate()


@contextlib.contextmanager
def clone_lock(project: Project) -> Iterator[None]:
    """The lock every worktree of this clone shares (in the common git dir): held
    while an id is chosen or a claim taken, so two worktrees never collide."""
    common = git.common_dir(project.root)
    if common is None:
        yield
        return
    with project_lock(common / "storykit"):
        yield


@contextlib.contextmanager
def transaction(project: Project, *, clone_wide: bool = False,
                ahead: tracker.Ahead | None = None) -> Iterator[Transaction]:
    """Hold the project lock (and with ``clone_wide`` the lock every worktree of the
    clone shares), see the stories as they are now, and undo every write made inside
    the block if anything in it raises.  ``ahead``: the tracker proven current before
    the lock was taken (``tracker.prove_ahead``), used when nothing changed since."""
    with project_lock(project.config.state_path), clone_lock(project) if clone_wide else contextlib.nullcontext():
        project.invalidate()  # other stories may have changed meanwhile
        tx = Transaction(project, ahead)
        try:
            yield tx
        except BaseException:
            tx.rollback()
            raise
        project.invalidate()
