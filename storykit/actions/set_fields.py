"""``storykit set``: the fields people own, in the front matter and the matching
header line of the body, validated by the same code as ``storykit new``.

Everything storykit records (status, runs, completion, closing) is refused with
the reason and the command that does change it.
"""

from __future__ import annotations

import difflib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit.actions.edit import edit
from storykit.actions.new import check_dependencies, check_one_line, check_title
from storykit.core import fields
from storykit.errors import Refused, StorykitError
from storykit.story import regions

if TYPE_CHECKING:
    from storykit.project.store import Project
    from storykit.story.model import Story

SETTABLE = ("title", "track", "agent", "estimate", "priority", "labels", "dependencies", "tests", "min_tests")
# key -> the header line of the body that shows it
HEADER = {"track": "Track", "agent": "Agent", "estimate": "Time Estimate", "priority": "Priority",
          "labels": "Labels", "dependencies": "Dependencies"}
_OWNED = {
    "status": ("storykit moves it with the evidence",
               "run 'storykit run-tests', 'storykit complete' or 'storykit close'"),
    "runs": ("storykit records it from real runs", None),
    "started": ("storykit records it from real runs", None),
    "overrides": ("storykit records it from real runs", None),
    "completed": ("'storykit complete' records it", None),
    "completed_by": ("'storykit complete' records it", None),
    "actual": ("'storykit complete' records it", None),
    "closed_as": ("'storykit close' records it", None),
    "closed_reason": ("'storykit close' records it", None),
    "duplicate_of": ("'storykit close' records it", None),
    "id": ("", "give the story a new id with 'storykit renumber'"),
    "template": ("it records how the story was made", None),
    "created": ("it records how the story was made", None),
}


@dataclass
class Changed:
    story_id: str
    path: Path
    changed: dict[str, Any]  # key -> the new value (None: removed)
    notes: list[str] = field(default_factory=list)
    stale: bool = False
    moved: list[str] = field(default_factory=list)  # stories whose Blocks line may change


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` arguments -> {key: value}, each key once and settable."""
    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise StorykitError(f"'{pair}' is not KEY=VALUE")
        if key in _OWNED:
            why, hint = _OWNED[key]
            raise StorykitError(f"'{key}' is not set by hand" + (f": {why}" if why else ""), hint=hint)
        if key not in SETTABLE:
            from storykit.story.model import KEYS

            if key in KEYS:
                raise StorykitError(f"'{key}' is not set with 'storykit set'",
                                    hint="edit it in the story's front matter")
            close = difflib.get_close_matches(key, SETTABLE, n=1)
            suggestion = f" (did you mean '{close[0]}'?)" if close else ""
            raise StorykitError(f"unknown key '{key}'{suggestion}", hint=f"the keys are {', '.join(SETTABLE)}")
        if key in found:
            raise StorykitError(f"'{key}' is given twice")
        found[key] = value
    return found


def _value(project: Project, story_id: str, key: str, raw: str) -> Any:
    """The value as the front matter holds it (None: remove the key), checked as new checks it."""
    if key in ("track", "agent", "estimate"):
        check_one_line(key, raw)
    if key == "title":
        check_title(raw)
        return raw.strip()
    if key == "priority":
        return fields.priority(raw) if raw.strip() else None
    if key == "labels":
        return fields.labels(fields.split_list(raw)) or None
    if key == "dependencies":
        deps = check_dependencies(project, fields.split_list(raw))
        if story_id in deps:
            raise StorykitError(f"{story_id} cannot depend on itself")
        return deps
    if key == "tests":
        return fields.split_list(raw)
    if key == "min_tests":
        if not raw.strip().isdigit():
            raise StorykitError(f"min_tests '{raw}' is not a whole number >= 0")
        return int(raw)
    return raw.strip() or None


def _cycle(project: Project, story_id: str, deps: list[str]) -> list[str] | None:
    """The path a dependency of ``story_id`` would take back to it, or None."""
    graph = {e.id: list(e.meta.get("dependencies") or []) for e in project.entries()}
    graph[story_id] = deps
    for dep in deps:
        previous: dict[str, str] = {dep: story_id}
        queue = deque([dep])
        while queue:
            node = queue.popleft()
            for nxt in graph.get(node, []):
                if nxt == story_id:
                    path = [node]
                    while path[-1] != dep:
                        path.append(previous[path[-1]])
                    return [story_id, *reversed(path), story_id]
                if nxt not in previous:
                    previous[nxt] = node
                    queue.append(nxt)
    return None


def set_fields(project: Project, ref: str, pairs: list[str]) -> Changed:
    """Set the fields and their header lines; refuses storykit's own fields."""
    wanted = parse_pairs(pairs)

    def change(story: Story) -> Changed:
        values = {key: _value(project, story.id, key, raw) for key, raw in wanted.items()}
        meta = story.meta
        if story.status == "done" and {"tests", "min_tests"} & set(values):
            raise Refused(f"{story.id} is done; its tests and min_tests are part of its final evidence")
        if "dependencies" in values:
            cycle = _cycle(project, story.id, values["dependencies"])
            if cycle:
                raise StorykitError(f"{story.id} cannot depend on {cycle[1]}: that makes a cycle "
                                    f"{' -> '.join(cycle)}")
        result = Changed(story.id, story.path, values)
        old_deps = list(meta.get("dependencies") or [])
        for key, value in values.items():
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
            if key == "title":
                story.body = regions.set_title(story.body, story.id, value)
            elif key in HEADER:
                shown = ", ".join(value) if isinstance(value, list) else value
                if key == "dependencies":
                    shown = regions.dependencies_line(value)
                story.body = regions.set_header_line(story.body, HEADER[key], shown)
        runs = meta.get("runs") or {}
        if "tests" in values and runs and values["tests"] != (story.as_read or {}).get("tests"):
            result.stale = True
            result.notes.append(f"its recorded runs are of other tests now: run 'storykit run-tests {story.id}' again")
        green = runs.get("green") if isinstance(runs.get("green"), dict) else None
        if "min_tests" in values and green is not None:
            passed = int((green.get("counts") or {}).get("passed") or 0)
            if passed < values["min_tests"]:
                result.stale = True
                result.notes.append(f"its passing run has {passed} passed, fewer than min_tests now: write more "
                                    f"tests and run 'storykit run-tests {story.id}'")
        if "dependencies" in values:
            result.moved = sorted(set(old_deps) ^ set(values["dependencies"]))
        return result

    return edit(project, ref, change, blocks_of=lambda result: result.moved)[1]
