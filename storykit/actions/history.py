"""Commits at a phase of a story's cycle (``run-tests --commit``).

A red commit holds the story's failing tests (and the story and tracker, and what
the user had staged) but not the implementation, so ``storykit verify`` can check
out that commit later and watch the tests fail again.  Every such commit carries
the trailers ``Story: ID`` and ``Phase: red|green`` (``complete`` adds
``Phase: done``).  Nothing outside the story's tests, the story, the tracker and
the user's own staged changes is ever committed.  The commit itself is made by the
save transaction (storykit.actions.save), which undoes it with every write when
anything fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from storykit import git
from storykit.story import evidence
from storykit.errors import Refused

if TYPE_CHECKING:
    from storykit.project.store import Project
    from storykit.runners.result import RunResult
    from storykit.story.model import Story

MESSAGES = {"red": "test: failing tests for {id}", "green": "feat: tests pass for {id}"}


def require_committable(project: Project, story_id: str) -> None:
    """Refuse before any test runs when a commit could not be made here."""
    blocker = git.commit_blockers(project.root)
    if blocker:
        raise Refused(f"cannot commit {story_id}: {blocker}", hint="fix that, or run without --commit")


def test_files(project: Project, story: Story, result: RunResult, digest_before: str | None) -> list[Path]:
    """The files holding the story's tests, as they ran: its ``tests`` paths (node ids
    reduced to their file) or, for a story of marked tests, the files they are in."""
    declared = list(story.meta.get("tests") or [])
    if declared and evidence.digest(project.root, declared) != digest_before:
        raise Refused(f"{story.id}'s test files changed while its tests ran, so the commit would not hold "
                      f"the tests that ran", hint="run the tests again")
    names = declared or list(result.tests)
    files = [project.root / name for name in dict.fromkeys(n.split("::", 1)[0] for n in names)]
    files = [f for f in files if f.exists()]
    if not files:
        raise Refused(f"cannot tell which files hold {story.id}'s tests, so they cannot be committed",
                      hint="list them under 'tests:' in its front matter, or run without --commit")
    return files


def left_out(project: Project, story: Story, files: list[Path]) -> list[str]:
    """Changed or untracked files the commit just made does not hold."""
    return git.uncommitted(project.root, [story.path, project.config.tracker_path, *files])
