"""``storykit verify --all``: replay every done story (or those a branch touched,
or one CI shard of them), several at a time.

Each story's replay is ``storykit.actions.verify.verify`` (its own temporary
worktrees); they run in a thread pool, since the work is in the test processes.
A story's test output is buffered and handed back with its result, so the
caller prints whole stories in id order, never interleaved.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from storykit import git
from storykit.actions.verify import Verification, verify
from storykit.errors import GitError, StorykitError
from storykit.project.store import Entry, Project
from storykit.story import evidence


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``K/N`` with 1 <= K <= N."""
        parts = text.split("/")
        if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
            index, count = int(parts[0]), int(parts[1])
            if 1 <= index <= count:
                return cls(index, count)
        raise StorykitError(f"--shard K/N needs 1 <= K <= N (got {text})",
                            hint="e.g. --shard 1/4 ... --shard 4/4, one per CI job")

    def take(self, ids: list[str]) -> list[str]:
        """This shard's ids: every N-th of the sorted ids, starting at the K-th.
        The same list on every machine, so the shards together cover each id once."""
        return [story_id for position, story_id in enumerate(ids) if position % self.count == self.index - 1]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def default_jobs() -> int:
    """One replay per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def done_stories(project: Project) -> list[Entry]:
    """The done stories, in id order."""
    return [entry for entry in project.entries() if entry.meta.get("status") == "done"]


def touched(project: Project, entries: list[Entry], ref: str) -> list[Entry]:
    """The stories whose story file or test files changed in ``REF...HEAD``."""
    try:
        changed = set(git.changed_since(project.root, ref))
    except GitError as exc:
        raise StorykitError(f"--since {ref}: {exc.message}",
                            hint="give a branch, tag or commit this repository has (fetch it first in CI)") from None

    def changed_file(path: str) -> bool:  # a file, or a folder of test files
        path = path.rstrip("/")
        return path in changed or any(c.startswith(path + "/") for c in changed)

    selected = []
    for entry in entries:
        runs = entry.meta.get("runs") or {}
        files = [project.rel(entry.path), *evidence.test_files(entry.meta, runs.get("green"))]
        if any(changed_file(f) for f in files):
            selected.append(entry)
    return selected


def select(project: Project, *, since: str | None = None, shard: Shard | None = None) -> list[str]:
    """The ids of the done stories to replay, in id order."""
    entries = done_stories(project)
    if since is not None:
        entries = touched(project, entries, since)
    ids = [entry.id for entry in entries]
    return shard.take(ids) if shard else ids


@dataclass
class StoryReplay:
    """One story's verification and the test output its replays printed."""

    check: Verification
    output: bytes = b""


def replay_all(project: Project, ids: list[str], *, jobs: int, timeout: float | None = None,
               keep_output: bool = False) -> Iterator[StoryReplay]:
    """Replay each story, ``jobs`` at a time; yield the results in the order of ``ids``
    as soon as each (and every one before it) is finished."""
    project.entries()  # read once, before the threads share the project

    def one(story_id: str) -> StoryReplay:
        buffer = io.BytesIO() if keep_output else None
        try:
            check = verify(project, story_id, timeout=timeout, echo=buffer)
        except StorykitError as exc:  # e.g. the story cannot be read: that story fails, the others go on
            check = Verification(story_id, problems=[str(exc)])
        return StoryReplay(check, buffer.getvalue() if buffer is not None else b"")

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="storykit-verify") as pool:
        futures = [pool.submit(one, story_id) for story_id in ids]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()  # Ctrl-C or a closed generator: start no more replays
