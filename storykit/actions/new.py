"""Creating a story, and what the lifecycle's steps share.

The lifecycle reads like its sentence in the docs — load the story, ask the
workflow whether the run may start, run the tests, ask the workflow what the
result means, render the evidence, replace storykit's regions, save atomically,
regenerate the tracker — and returns values for the command layer to print.
``storykit.actions.run_tests`` runs a story's tests (red, green); ``storykit.actions.complete``
completes it; this module creates it.  Nothing is written before a verdict, so a
refusal, Ctrl-C or a kill leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from storykit import git
from storykit.story import evidence
from storykit.core import ids
from storykit.story import regions
from storykit.project import tracker
from storykit.core import workflow
from storykit.errors import StorykitError
from storykit.project.files import project_lock, write_text_atomic
from storykit.project.store import Project
from storykit.story.model import dump_front, load
from storykit.story.templates import get as get_template
from storykit.story.templates import render as render_template


@dataclass
class Created:
    story_id: str
    path: Path
    text: str
    written: bool




def today() -> str:
    return date.today().isoformat()



def next_id(project: Project) -> str:
    """One above every id in the working tree and on every branch (one git call)."""
    numbers = [ids.id_number(e.id, project.config.id_prefix) or 0 for e in project.entries()]
    for rel in git.files_in_all_refs(project.root, project.config.stories_dir):
        story_id = project.file_id(Path(rel).name)
        if story_id:
            numbers.append(ids.id_number(story_id, project.config.id_prefix) or 0)
    numbers += ids_in_other_worktrees(project)
    return ids.format_id(max(numbers, default=0) + 1, project.config.id_prefix, project.config.id_width)


def ids_in_other_worktrees(project: Project) -> list[int]:
    """The id numbers of the stories in the other worktrees of this clone, committed or
    not: two agents in two worktrees never create the same id (issue 13).  Only file
    names are read (one ``git worktree list``; none at all outside git)."""
    top = git.toplevel(project.root)
    if top is None:
        return []
    try:
        folder = project.config.stories_path.resolve().relative_to(top.resolve())
    except ValueError:
        return []
    numbers = []
    for tree in git.worktrees(project.root):
        if tree.resolve() == top.resolve():
            continue
        try:
            names = os.listdir(tree / folder)
        except OSError:
            continue  # that worktree has no stories folder (yet)
        for name in names:
            story_id = project.file_id(name) if name.endswith(".md") else None
            if story_id:
                numbers.append(ids.id_number(story_id, project.config.id_prefix) or 0)
    return numbers


@contextlib.contextmanager
def clone_lock(project: Project) -> Iterator[None]:
    """The project lock, and the lock every worktree of this clone shares (in the
    common git dir), held while an id is chosen and its file written."""
    with project_lock(project.config.state_path):
        common = git.common_dir(project.root)
        if common is None:
            yield
            return
        with project_lock(common / "storykit"):
            yield


def new_story(
    project: Project,
    template: str,
    title: str,
    *,
    tests: list[str],
    story_id: str | None = None,
    track: str | None = None,
    agent: str | None = None,
    estimate: str | None = None,
    depends: list[str] | None = None,
    variables: dict[str, str] | None = None,
    min_tests: int | None = None,
    dry_run: bool = False,
) -> Created:
    """Render a new story from a template, write it, and update the tracker.

    The id is chosen and the file written under the project lock, so two ``new``
    running at once never take the same id.
    """
    lock = contextlib.nullcontext() if dry_run else clone_lock(project)
    with lock:
        project.invalidate()  # the stories as they are now, under the lock
        config = project.config
        if not title.strip():
            raise StorykitError("the title is empty", hint="pass --title \"What the story delivers\"")
        info = get_template(template, config.templates_path)
        entries = {e.id: e for e in project.entries()}
        dependencies = [project.parse_id(d) for d in depends or []]
        unknown = [d for d in dependencies if d not in entries]
        if unknown:
            raise StorykitError(f"unknown dependency {unknown[0]}", hint="create it first, or check 'storykit list'")
        if story_id is not None:
            story_id = project.parse_id(story_id)
            if story_id in entries:
                raise StorykitError(f"{story_id} already exists ({project.rel(entries[story_id].path)})",
                                    hint="leave out --id to take the next free id")
        else:
            story_id = next_id(project)
        if story_id in dependencies:
            raise StorykitError(f"{story_id} cannot depend on itself")
        defaults = info.defaults
        meta: dict[str, Any] = {
            "id": story_id,
            "title": title.strip(),
            "status": "not-started",
            "template": template,
            "created": today(),
            "track": track or str(defaults.get("track", "[Track]")),
            "agent": agent or str(defaults.get("agent", "[Agent]")),
            "estimate": estimate or str(defaults.get("estimate", "[Time estimate]")),
            "dependencies": dependencies,
            "tests": list(tests),
            "min_tests": min_tests if min_tests is not None else int(defaults.get("min_tests", config.min_tests)),
        }
        context = {
            **(variables or {}),
            **meta,
            "dependencies_line": regions.dependencies_line(dependencies),
            "blocks": [],
            "blocks_line": regions.blocks_line([]),
            "status_line": workflow.LABELS["not-started"],
            "commit_message": commit_message(config.commit_message, meta),
            "titles": {**project.titles(), story_id: meta["title"]},
            "test_results": evidence.render(meta, {}),
            "completion_fields": regions.completion_fields(meta["created"]),
        }
        body = render_template(info, config.templates_path, context)
        text = dump_front(meta) + "\n" + body.lstrip("\n")
        path = config.stories_path / f"{story_id}-{ids.slugify(title)}.md"
        if dry_run:
            return Created(story_id, path, text, written=False)
        if path.exists():
            raise StorykitError(f"{project.rel(path)} already exists", hint="choose another title or --id")
        write_text_atomic(path, text)
        project.invalidate()
        for dep in dependencies:  # their derived "Blocks:" line now names this story
            _refresh_blocks(project, entries[dep].path)
        tracker.write(project)
        return Created(story_id, path, text, written=True)


def _refresh_blocks(project: Project, path: Path) -> None:
    story = load(path)
    body = regions.set_header(story.id, story.body, story.status, project.blocks(story.id))
    if body != story.body:
        story.body = body
        write_text_atomic(path, story.text())


def commit_message(template: str, meta: dict[str, Any]) -> str:
    try:
        return template.format(title=meta["title"], id=meta["id"])
    except (KeyError, IndexError, ValueError) as exc:
        raise StorykitError(f"commit_message '{template}' is not valid ({exc})",
                            hint="use only {title} and {id} in it") from None
