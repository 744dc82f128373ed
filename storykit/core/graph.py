"""The stories' dependency graph: derived "Blocks", ready/blocked, cycles.

Front matter stores only ``dependencies`` (what a story needs); everything else is
derived here, once, so the tracker, ``storykit next`` and ``storykit check`` always
agree.  Pure functions over plain mappings; iterative, not recursive, so a chain of
10,000 stories costs no stack.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

_PARTS = re.compile(r"(\d+)")


class _Entry(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def meta(self) -> dict[str, Any]: ...


def id_key(story_id: str) -> tuple[Any, ...]:
    """Natural order of ids: STORY-9 before STORY-10, whatever the zero padding."""
    return tuple(int(p) if p.isdigit() else p for p in _PARTS.split(story_id))


def from_entries(entries: Iterable[_Entry]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(id -> dependencies, id -> status) of the stories; a duplicated id keeps its first story."""
    deps: dict[str, list[str]] = {}
    status: dict[str, str] = {}
    for entry in entries:
        if entry.id in deps:
            continue
        raw = entry.meta.get("dependencies") or []
        deps[entry.id] = [str(d) for d in raw] if isinstance(raw, list) else []
        status[entry.id] = str(entry.meta.get("status"))
    return deps, status


def blocks(deps: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """id -> the stories that depend on it (the derived "Blocks"), sorted."""
    found: dict[str, list[str]] = {story: [] for story in deps}
    for story, needs in deps.items():
        for dep in dict.fromkeys(needs):
            found.setdefault(dep, []).append(story)
    return {story: sorted(users, key=id_key) for story, users in found.items()}


def duplicates(entries: Iterable[_Entry]) -> dict[str, str]:
    """id -> the story it duplicates, for each story closed as a duplicate."""
    return {entry.id: str(entry.meta["duplicate_of"]) for entry in entries
            if entry.meta.get("status") == "closed" and entry.meta.get("closed_as") == "duplicate"
            and entry.meta.get("duplicate_of")}


def _done(dep: str, status: Mapping[str, str], same: Mapping[str, str] | None) -> bool:
    """Is ``dep`` done?  A closed duplicate is as done as the story it duplicates."""
    seen = {dep}
    while same and dep in same and status.get(dep) == "closed":
        dep = same[dep]
        if dep in seen:  # duplicates of each other: neither is done
            return False
        seen.add(dep)
    return status.get(dep) == "done"


def waiting(needs: Sequence[str], status: Mapping[str, str], same: Mapping[str, str] | None = None) -> list[str]:
    """The dependencies in ``needs`` that are not done (unknown ids are never done;
    ``same``: closed duplicates -> the story each duplicates, see ``duplicates``)."""
    return [dep for dep in needs if not _done(dep, status, same)]


def ready(deps: Mapping[str, Sequence[str]], status: Mapping[str, str],
          same: Mapping[str, str] | None = None) -> list[str]:
    """The not-started stories whose every dependency is done, sorted by id."""
    return sorted((s for s, needs in deps.items()
                   if status.get(s) == "not-started" and not waiting(needs, status, same)), key=id_key)


def blocked(deps: Mapping[str, Sequence[str]], status: Mapping[str, str],
            same: Mapping[str, str] | None = None) -> list[tuple[str, list[str]]]:
    """(story, the dependencies it waits for) for each not-started story that must wait."""
    found = [(s, waiting(needs, status, same)) for s, needs in deps.items() if status.get(s) == "not-started"]
    return sorted(((s, w) for s, w in found if w), key=lambda item: id_key(item[0]))


def cycles(deps: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of stories, as a closed path that
    starts and ends at its lowest id: ``["STORY-002", "STORY-003", "STORY-002"]``."""
    # Only a stuck story can be on a cycle: with no cycle (most projects) none is, and
    # Tarjan visits none.
    left = stuck(deps)
    found = []
    for group in _components({story: [d for d in deps[story] if d in left] for story in left}):
        members = set(group)
        if len(group) == 1 and group[0] not in deps.get(group[0], ()):
            continue
        start = min(group, key=id_key)
        found.append(_shortest_loop(start, deps, members))
    return sorted(found, key=lambda path: id_key(path[0]))


def stuck(deps: Mapping[str, Sequence[str]]) -> set[str]:
    """The stories that can never start in dependency order: those on a cycle, and those
    that need one of them, directly or not (dependencies on unknown ids are ignored).

    Kahn's algorithm: every story that needs no story left is taken away, again and
    again; what is left is stuck.  With no cycle (most projects), nothing is left."""
    needs: dict[str, int] = {}
    users: dict[str, list[str]] = {}
    free = []
    for story, wanted in deps.items():
        distinct = {dep for dep in wanted if dep in deps}
        needs[story] = len(distinct)
        if not distinct:
            free.append(story)
        for dep in distinct:
            users.setdefault(dep, []).append(story)
    while free:
        for user in users.get(free.pop(), ()):
            needs[user] -= 1
            if not needs[user]:
                free.append(user)
    return {story for story, count in needs.items() if count}


def _shortest_loop(start: str, deps: Mapping[str, Sequence[str]], members: set[str]) -> list[str]:
    """The shortest path from ``start`` back to itself inside one component (BFS)."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(set(deps.get(node, ())) & members, key=id_key):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return [start, start]  # unreachable for a real component


def _components(deps: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (edges to unknown ids ignored)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(deps, key=id_key):
        if root in index:
            continue
        work = [(root, iter([d for d in deps[root] if d in deps]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter([d for d in deps[nxt] if d in deps])))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def format_cycle(path: Sequence[str]) -> str:
    return " -> ".join(path)
