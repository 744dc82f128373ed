"""new: create a story from a template, and the helpers other commands share for it
(``next_id``, ``commit_message``).

Under the project lock (one save transaction, storykit.actions.save): choose the id
(one above every id here and on every branch), render the template, write the story,
refresh the Blocks line of the stories it depends on, regenerate the tracker.  If
any write fails, every file written is put back and the new story removed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storykit import git
from storykit.actions import save
from storykit.core import fields, ids, workflow
from storykit.errors import StorykitError
from storykit.project import allocation
from storykit.project.store import Entry, Project
from storykit.story import evidence, regions
from storykit.story.model import dump_front, load, one_line_problem
from storykit.story.templates import get as get_template
from storykit.story.templates import render as render_template


@dataclass
class Created:
    story_id: str
    path: Path
    text: str
    written: bool


def next_id(project: Project, entries: list[Entry] | None = None) -> str:
    """One above every id in the working tree, in the history of every ref and in the
    other worktrees of the clone (storykit.project.allocation: only the history and
    the story files not seen before are read).  ``entries``: every story, when the
    caller has read them anyway (``project.entries()``)."""
    where = git.locate(project.root)  # one git call for the two questions below
    if entries is None:
        numbers = allocation.work_tree_numbers(project)
    else:
        numbers = [ids.id_number(e.id, project.config.id_prefix) or 0 for e in entries]
        numbers += [ids.id_number(i, project.config.id_prefix) or 0 for i in project.unreadable_ids()]
    numbers.append(allocation.highest_in_history(project, where))
    numbers += ids_in_other_worktrees(project, where)
    return ids.format_id(max(numbers, default=0) + 1, project.config.id_prefix, project.config.id_width)


def ids_in_other_worktrees(project: Project, where: tuple[Path, Path] | None = None) -> list[int]:
    """The id numbers of the stories in the other worktrees of this clone, committed or
    not: two agents in two worktrees never create the same id (issue 13).  Only file
    names are read (one ``git worktree list``; none at all outside git or in a clone
    without linked worktrees).  ``where``: ``git.locate`` of the project, if known."""
    where = where or git.locate(project.root)
    if where is None:
        return []
    top, common = where
    if not (common / "worktrees").is_dir():
        return []  # no linked worktree: `git worktree list` would name only this one
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
    priority: str | None = None,
    labels: list[str] | None = None,
) -> Created:
    """Render a new story from a template, write it, and update the tracker.

    The id is chosen and the file written under the project lock, so two ``new``
    running at once never take the same id.
    """
    # clone-wide: no other worktree of this clone chooses an id meanwhile
    with _dry() if dry_run else save.transaction(project, clone_wide=True) as tx:
        config = project.config
        check_title(title)
        for option, value in (("--title", title), ("--track", track), ("--agent", agent), ("--estimate", estimate)):
            check_one_line(option, value)
        info = get_template(template, config.templates_path)
        # Every story's front matter only when needed: a dry run without --id or --depends
        # reads none (their ids come from storykit.project.allocation's cache).
        every = project.entries() if depends or story_id is not None or tx is not None else None
        entries = {e.id: e for e in every or []}
        dependencies = check_dependencies(project, depends or [], entries)
        if priority is not None:
            priority = fields.priority(priority)
        label_list = fields.labels(labels or [])
        if story_id is not None:
            story_id = project.parse_id(story_id)
            if story_id in entries:
                raise StorykitError(f"{story_id} already exists ({project.rel(entries[story_id].path)})",
                                    hint="leave out --id to take the next free id")
        else:
            story_id = next_id(project, every)
        if story_id in dependencies:
            raise StorykitError(f"{story_id} cannot depend on itself")
        defaults = info.defaults
        meta: dict[str, Any] = {
            "id": story_id,
            "title": title.strip(),
            "status": "not-started",
            "template": template,
            "created": evidence.today(),
            "track": track or str(defaults.get("track", "[Track]")),
            "agent": agent or str(defaults.get("agent", "[Agent]")),
            "estimate": estimate or str(defaults.get("estimate", "[Time estimate]")),
            **({"priority": priority} if priority else {}),
            **({"labels": label_list} if label_list else {}),
            "dependencies": dependencies,
            "tests": list(tests),
            "min_tests": min_tests if min_tests is not None else _default_min_tests(defaults, config.min_tests),
        }
        context = {
            **(variables or {}),
            **meta,
            "priority": priority,
            "labels": label_list,
            "dependencies_line": regions.dependencies_line(dependencies),
            "blocks": [],
            "blocks_line": regions.blocks_line([]),
            "status_line": workflow.LABELS["not-started"],
            "commit_message": commit_message(config.commit_message, meta),
            "titles": Titles(project, {story_id: meta["title"]}),
            "test_results": evidence.render(meta, {}),
            "completion_fields": regions.completion_fields(meta["created"]),
        }
        body = render_template(info, config.templates_path, context)
        text = dump_front(meta) + "\n" + body.lstrip("\n")
        path = config.stories_path / f"{story_id}-{ids.slugify(title)}.md"
        if tx is None:
            return Created(story_id, path, text, written=False)
        if path.exists():
            raise StorykitError(f"{project.rel(path)} already exists", hint="choose another title or --id")
        save.require_writable(project, config.tracker_path, *(entries[dep].path for dep in dependencies))
        # Read the stories whose Blocks line changes before writing anything: one of them
        # with conflict markers must refuse the whole command, not stop it half-way.
        blocked = [load(entries[dep].path) for dep in dependencies]
        tx.write(path, text)
        project.invalidate()
        for story in blocked:  # their derived "Blocks:" line now names this story
            body = regions.set_header(story.id, story.body, story.status, project.blocks(story.id))
            if body != story.body:
                story.body = body
                tx.save(story)
        tx.tracker()
        return Created(story_id, path, text, written=True)


class Titles(Mapping[str, str]):
    """Every story's title by id, for the templates (``titles``), read on first use: the
    built-in templates look up only the dependencies' titles, and a story without
    dependencies reads none."""

    def __init__(self, project: Project, extra: dict[str, str]) -> None:
        self._project, self._extra = project, extra
        self._titles: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._titles is None:
            self._titles = {**self._project.titles(), **self._extra}
        return self._titles

    def __getitem__(self, key: str) -> str:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def check_title(title: str) -> None:
    """A story's title is not empty and is one line (``new``, ``set``)."""
    if not title.strip():
        raise StorykitError("the title is empty", hint="pass --title \"What the story delivers\"")
    check_one_line("--title", title)


def check_one_line(option: str, value: str | None) -> None:
    """Header fields are one line: a line break would let a value forge a ``**Status:**`` line."""
    if value is not None and one_line_problem(value):
        raise StorykitError(f"{option} must be one line of text, not {value!r}", hint="put details in the story's body")


def check_dependencies(project: Project, depends: list[str], entries: dict[str, Any] | None = None) -> list[str]:
    """The dependencies as canonical ids, each an existing story (``new``, ``set``)."""
    known = entries if entries is not None else {e.id: e for e in project.entries()}
    dependencies = list(dict.fromkeys(project.parse_id(d) for d in depends))
    unknown = [d for d in dependencies if d not in known]
    if unknown:
        raise StorykitError(f"unknown dependency {unknown[0]}", hint="create it first, or check 'storykit list'")
    return dependencies


@contextlib.contextmanager
def _dry() -> Iterator[None]:
    """``--dry-run``: no lock, no transaction, nothing written."""
    yield None


def _default_min_tests(defaults: dict[str, Any], configured: int) -> int:
    """The template's min_tests (null there: not set), else the config's."""
    value = defaults.get("min_tests")
    return int(value) if value is not None else configured


def commit_message(template: str, meta: dict[str, Any]) -> str:
    try:
        return template.format(title=meta["title"], id=meta["id"])
    except (KeyError, IndexError, ValueError) as exc:
        raise StorykitError(f"commit_message '{template}' is not valid ({exc})",
                            hint="use only {title} and {id} in it") from None
