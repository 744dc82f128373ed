"""Which story an agent works on: ``storykit start`` and ``storykit release``.

Two marks, both storykit's:

- the **claim**, in the story's front matter (``claimed_by``, ``claimed_at``): who took
  the story and when, so ``next`` offers it to nobody else;
- the **active story** of this worktree, in ``.storykit/active`` (storykit's private,
  git-ignored folder, which every worktree has its own of): what the agent hooks guard
  and what the session prime talks about.

A claim is taken under the project lock and the lock every worktree of the clone
shares, after looking at the same story in the other worktrees, so when two agents
start one story at once exactly one gets it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from storykit.errors import Refused, StorykitError

if TYPE_CHECKING:
    from storykit.project.config import Config
    from storykit.project.store import Project

ACTIVE = "active"


def active_path(config: Config) -> Path:
    return config.state_path / ACTIVE


def active_id(config: Config) -> str | None:
    """The id of this worktree's active story, or None."""
    try:
        text = active_path(config).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    return text.splitlines()[0] if text else None


def agent_name(project: Project, agent: str | None) -> str:
    """Who claims: ``--agent``, else $STORYKIT_AGENT, else git's user.name, else the login."""
    if agent and agent.strip():
        return agent.strip()
    if os.environ.get("STORYKIT_AGENT", "").strip():
        return os.environ["STORYKIT_AGENT"].strip()
    from storykit import git

    name = git.config_get(project.root, "user.name") if git.toplevel(project.root) else None
    if name and name.strip():
        return name.strip()
    import getpass

    return getpass.getuser()


@dataclass
class Claim:
    story_id: str
    path: Path
    agent: str
    claimed_at: str
    status: str
    changed: bool  # False when the agent already held it
    previous: str | None = None  # the story that was active in this worktree before


def _elsewhere(project: Project, path: Path) -> tuple[str, str, Path] | None:
    """(agent, since, worktree) when another worktree of this clone holds a claim on the
    same story file (its own, possibly uncommitted, copy)."""
    from storykit import git
    from storykit.story.model import load_meta

    top = git.toplevel(project.root)
    if top is None:
        return None
    try:
        rel = path.resolve().relative_to(top.resolve())
    except ValueError:
        return None
    for tree in git.worktrees(project.root):
        if tree.resolve() == top.resolve() or not (tree / rel).is_file():
            continue
        try:
            meta = load_meta(tree / rel)
        except (StorykitError, OSError, UnicodeDecodeError):
            continue
        if meta.get("claimed_by"):
            return str(meta["claimed_by"]), str(meta.get("claimed_at") or "?"), tree
    return None


def start(project: Project, ref: str, agent: str | None) -> Claim:
    """Claim ``ref`` for ``agent`` and make it this worktree's active story."""
    from storykit.actions import save
    from storykit.story import evidence
    from storykit.story.model import load

    who = agent_name(project, agent)
    with save.transaction(project, clone_wide=True) as tx:
        path = project.find(ref)
        story = load(path)
        if story.status == "done":
            raise Refused(f"{story.id} is done: there is nothing left to start; pick another with 'storykit next'")
        if story.status == "closed":
            from storykit.actions.close import how

            closed = how(str(story.meta.get("closed_as")), story.meta.get("duplicate_of"))
            raise Refused(f"{story.id} is closed ({closed}): there is nothing left to start; "
                          f"pick another with 'storykit next'")
        holder = story.meta.get("claimed_by")
        since = story.meta.get("claimed_at") or "?"
        where = ""
        if not holder:
            other = _elsewhere(project, path)
            if other is not None:
                holder, since, tree = other
                where = f" in the worktree {tree}"
        if holder and str(holder) != who:
            raise Refused(f"{story.id} is claimed by {holder} since {since}{where}: "
                          f"pick another with 'storykit next'")
        changed = not holder
        if changed:
            story.meta["claimed_by"] = who
            story.meta["claimed_at"] = evidence.now()
            tx.save(story)
        previous = active_id(project.config)
        tx.write(active_path(project.config), story.id + "\n")
        return Claim(story.id, path, who, str(story.meta["claimed_at"]), story.status, changed,
                     previous if previous != story.id else None)


@dataclass
class Release:
    story_id: str
    path: Path
    agent: str | None  # who held the claim (None: nobody did)
    was_active: bool


def release(project: Project, ref: str | None, agent: str | None, *, force: bool = False) -> Release:
    """Drop the claim on ``ref`` (default: the active story) and its active mark."""
    from storykit.actions import save
    from storykit.story.model import load

    with save.transaction(project, clone_wide=True) as tx:
        active = active_id(project.config)
        if ref is None:
            if active is None:
                raise StorykitError("no story is active in this worktree",
                                    hint="name the story to release: storykit release STORY-ID")
            ref = active
        path = project.find(ref)
        story = load(path)
        holder = story.meta.get("claimed_by")
        who = agent_name(project, agent)
        if holder and str(holder) != who and not force:
            raise Refused(f"{story.id} is claimed by {holder}, not {who}: only its holder releases it "
                          f"(or pass --force)")
        if holder is not None or "claimed_at" in story.meta:
            story.meta.pop("claimed_by", None)
            story.meta.pop("claimed_at", None)
            tx.save(story)
        was_active = active == story.id
        if was_active:
            tx.remove(active_path(project.config))
        return Release(story.id, path, str(holder) if holder else None, was_active)
