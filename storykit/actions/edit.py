"""One small save path for the verbs that edit a story a person owns (tick, note,
set, close): under the project lock, read the story as it is now, let the verb
change it (or refuse: then nothing is written), write it atomically only when its
bytes changed, refresh the Blocks lines a dependency change moved, regenerate the
tracker.

Kept in this one function so that it can move to the shared save transaction
(actions/save.py) in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from storykit.project import tracker
from storykit.project.files import project_lock, write_text_atomic
from storykit.story import records, regions
from storykit.story.model import Story, load

if TYPE_CHECKING:
    from storykit.project.store import Project

T = TypeVar("T")


def edit(project: Project, ref: str, change: Callable[[Story], T],
         blocks_of: Callable[[T], Iterable[str]] = lambda result: ()) -> tuple[Story, T]:
    """Apply ``change`` to the story ``ref`` and save it; returns the story as saved
    and what ``change`` returned.  ``blocks_of(result)``: the stories whose derived
    Blocks line may have changed."""
    with project_lock(project.config.state_path):
        project.invalidate()
        story = load(project.find(ref))
        before = story.text()
        result = change(story)
        if story.text() != before:
            records.save(story, write_text_atomic)  # an old story's inline records move to its evidence file
            project.invalidate()
            for other in blocks_of(result):
                _refresh_blocks(project, other)
            tracker.write(project)
    return story, result


def _refresh_blocks(project: Project, story_id: str) -> None:
    story = load(project.find(story_id))
    body = regions.set_header(story.id, story.body, story.status, project.blocks(story.id))
    if body != story.body:
        story.body = body
        records.save(story, write_text_atomic)
