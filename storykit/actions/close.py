"""``storykit close``: a terminal state other than done, with its reason.

``closed`` with ``closed_as`` (wont-do, duplicate, obsolete), ``closed_reason`` and,
for a duplicate, ``duplicate_of``.  The tracker counts it apart (neither done nor
work left), ``check`` needs no test evidence for it, ``next`` never offers it.  A
story that depends on a duplicate waits for the story it duplicates; one that
depends on a wont-do or obsolete story waits for ever, and ``check`` warns (SK403).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from storykit.actions.edit import edit
from storykit.actions.note import one_line
from storykit.core.workflow import CLOSED_AS
from storykit.errors import Refused, StorykitError
from storykit.story import regions
from storykit.story.model import load_meta

if TYPE_CHECKING:
    from storykit.project.store import Project
    from storykit.story.model import Story


@dataclass
class Closed:
    story_id: str
    path: Path
    closed_as: str
    reason: str
    duplicate_of: str | None
    dependents: list[str] = field(default_factory=list)

    @property
    def how(self) -> str:
        return how(self.closed_as, self.duplicate_of)


def how(closed_as: str, duplicate_of: str | None) -> str:
    """``won't do``, ``obsolete`` or ``duplicate of STORY-001``."""
    if closed_as == "duplicate" and duplicate_of:
        return f"duplicate of {duplicate_of}"
    return CLOSED_AS.get(closed_as, closed_as)


def close(project: Project, ref: str, closed_as: str, reason: str, *, of: str | None = None) -> Closed:
    """Close the story ``ref`` as ``closed_as`` for ``reason``."""
    if closed_as not in CLOSED_AS:
        raise StorykitError(f"'{closed_as}' is not a way to close a story", hint=f"use {', '.join(CLOSED_AS)}")
    if of is not None and closed_as != "duplicate":
        raise StorykitError("--of goes only with --as duplicate")
    if of is None and closed_as == "duplicate":
        raise StorykitError("--as duplicate needs --of ID, the story it duplicates")
    why = one_line(reason)
    if not why:
        raise StorykitError("the reason is empty", hint="say why the story is closed")

    def change(story: Story) -> Closed:
        original = None
        if of is not None:
            found = project.find(of)
            original = project.file_id(found.name) or project.parse_id(of)
            if original == story.id:
                raise StorykitError(f"{story.id} cannot be a duplicate of itself")
            if story.id in (load_meta(found).get("dependencies") or []):
                # It would wait for the duplicate, which counts as itself: never ready.
                raise StorykitError(f"{original} depends on {story.id}: as its duplicate, {original} would wait "
                                    f"for itself", hint=f"remove the dependency first ('storykit set {original} "
                                    f"dependencies=...')")
        if story.status == "done":
            raise Refused(f"{story.id} is done; a done story stays done")
        if story.status == "closed":
            shown = how(str(story.meta.get("closed_as")), story.meta.get("duplicate_of"))
            raise Refused(f"{story.id} is already closed ({shown})")
        meta = story.meta
        meta.update({"status": "closed", "closed_as": closed_as, "closed_reason": why})
        if original:
            meta["duplicate_of"] = original
        story.body = regions.set_header(story.id, story.body, "closed")
        story.body = regions.set_closed(story.body, f"{how(closed_as, original)}: {why}")
        story.body = regions.touch(story.id, story.body, date.today().isoformat())
        return Closed(story.id, story.path, closed_as, why, original, project.blocks(story.id))

    return edit(project, ref, change)[1]
