"""The save path of the verbs that edit a story a person owns (tick, note, set,
close): in the one save transaction (actions/save.py), read the story as it is
now, let the verb change it (or refuse: then nothing is written), save it only
when its bytes changed, refresh the Blocks lines a dependency change moved,
regenerate the tracker; any failure puts every file back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from storykit.actions import save
from storykit.story import regions
from storykit.story.model import Story, load

if TYPE_CHECKING:
    from storykit.project.store import Project

T = TypeVar("T")


def edit(project: Project, ref: str, change: Callable[[Story], T],
         blocks_of: Callable[[T], Iterable[str]] = lambda result: ()) -> tuple[Story, T]:
    """Apply ``change`` to the story ``ref`` and save it; returns the story as saved
    and what ``change`` returned.  ``blocks_of(result)``: the stories whose derived
    Blocks line may have changed."""
    with save.transaction(project) as tx:
        story = load(project.find(ref))
        before = story.text()
        result = change(story)
        if story.text() != before:
            tx.save(story)  # an old story's inline records move to its evidence file
            project.invalidate()
            for other in blocks_of(result):
                blocked = load(project.find(other))
                body = regions.set_header(blocked.id, blocked.body, blocked.status, project.blocks(blocked.id))
                if body != blocked.body:
                    blocked.body = body
                    tx.save(blocked)
            tx.tracker()
    return story, result
