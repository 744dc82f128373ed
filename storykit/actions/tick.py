"""``storykit tick``: tick (or untick) a story's checklist items by the number
``show`` prints or by a unique piece of their text.

Items tagged ``<!-- storykit:PHASE -->`` are storykit's to tick when it has
verified them: they are refused, naming the command that ticks them.  Every item
is resolved before anything is written: one bad item changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from storykit.actions.edit import edit
from storykit.errors import Refused, StorykitError
from storykit.story import regions

if TYPE_CHECKING:
    from storykit.project.store import Project
    from storykit.story.model import Story

# The command that ticks the items tagged with each phase.
_TICKED_BY = {"red": "run-tests", "green": "run-tests", "validated": "validate", "done": "complete",
              "commit": "complete", "measured": "run-tests", "no-degradation": "run-tests"}


@dataclass
class Ticked:
    story_id: str
    path: Path
    undo: bool
    changed: list[regions.Item] = field(default_factory=list)  # as they are now
    unchanged: list[regions.Item] = field(default_factory=list)  # already in the state asked for
    left: int = 0  # unticked items a person must still tick


def shown(item: regions.Item) -> str:
    return f'{item.number} "{item.text}"'


def resolve(story_id: str, items: list[regions.Item], wanted: str, undo: bool) -> regions.Item:
    """The item ``wanted`` names: its number, or a piece of its text (case-insensitive)."""
    see = f"see 'storykit show {story_id}'"
    if wanted.strip().isdigit():
        number = int(wanted)
        if not 1 <= number <= len(items):
            numbered = f"its items are 1-{len(items)}" if items else "it has none"
            raise StorykitError(f"{story_id} has no checklist item {number} ({numbered})", hint=see)
        return items[number - 1]
    needle = wanted.strip().casefold()
    found = [item for item in items if needle and needle in item.text.casefold()]
    if len(found) > 1:  # prefer the items the command would change
        narrowed = [item for item in found if item.checked == undo]
        found = narrowed or found
    if not found:
        raise StorykitError(f"no checklist item of {story_id} matches '{wanted}'",
                            hint=f"see its items with 'storykit show {story_id}'")
    if len(found) > 1:
        raise StorykitError(f"'{wanted}' matches {len(found)} items of {story_id}: "
                            f"{', '.join(shown(item) for item in found)}", hint=f"give its number ({see})")
    return found[0]


def tick(project: Project, ref: str, wanted: list[str], *, undo: bool = False) -> Ticked:
    """Tick (``undo``: untick) the items; refuses storykit's own items."""

    def change(story: Story) -> Ticked:
        items = regions.checklist(story.body)
        chosen = list({item.number: item for item in (resolve(story.id, items, w, undo) for w in wanted)}.values())
        for item in chosen:
            if item.phase is not None:
                command = _TICKED_BY.get(item.phase, "complete")
                raise Refused(f"item {item.number} of {story.id} (\"{item.text}\") is ticked by storykit when it "
                              f"verifies it", hint=f"run 'storykit {command} {story.id}'")
        result = Ticked(story.id, story.path, undo)
        to_change = [item for item in chosen if item.checked == undo]
        result.unchanged = [item for item in chosen if item.checked != undo]
        story.body = regions.set_checked(story.body, to_change, not undo)
        after = regions.checklist(story.body)
        result.changed = [after[item.number - 1] for item in to_change]
        result.left = sum(1 for item in after if not item.checked and item.phase is None)
        return result

    return edit(project, ref, change)[1]
