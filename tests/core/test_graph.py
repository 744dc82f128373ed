"""The dependency graph (pure functions) and the tracker sections built on it."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from storykit.core import graph


def test_blocks_are_derived_from_dependencies() -> None:
    deps = {"STORY-001": [], "STORY-002": ["STORY-001"], "STORY-010": ["STORY-001", "STORY-002"]}
    assert graph.blocks(deps) == {"STORY-001": ["STORY-002", "STORY-010"], "STORY-002": ["STORY-010"], "STORY-010": []}


def test_ready_and_blocked() -> None:
    deps = {"STORY-001": [], "STORY-002": ["STORY-001"], "STORY-003": ["STORY-002"], "STORY-004": ["STORY-099"],
            "STORY-005": []}
    status = {"STORY-001": "done", "STORY-002": "not-started", "STORY-003": "not-started",
              "STORY-004": "not-started", "STORY-005": "red"}
    assert graph.ready(deps, status) == ["STORY-002"]
    assert graph.blocked(deps, status) == [("STORY-003", ["STORY-002"]), ("STORY-004", ["STORY-099"])]


def test_ready_sorts_by_number_not_text() -> None:
    deps = {"STORY-10": [], "STORY-9": [], "STORY-100": []}
    assert graph.ready(deps, dict.fromkeys(deps, "not-started")) == ["STORY-9", "STORY-10", "STORY-100"]


def test_no_cycles_in_a_dag() -> None:
    assert graph.cycles({"A-1": [], "A-2": ["A-1"], "A-3": ["A-1", "A-2"], "A-4": ["A-9"]}) == []


def test_cycle_is_a_closed_path_from_its_lowest_id() -> None:
    deps = {"STORY-001": [], "STORY-002": ["STORY-003"], "STORY-003": ["STORY-002"], "STORY-004": ["STORY-004"]}
    cycles = graph.cycles(deps)
    assert [graph.format_cycle(c) for c in cycles] == ["STORY-002 -> STORY-003 -> STORY-002", "STORY-004 -> STORY-004"]


def test_long_cycle_without_recursion() -> None:
    n = 5000
    deps = {f"S-{i}": [f"S-{i + 1}"] for i in range(n)}
    deps[f"S-{n}"] = ["S-0"]
    (cycle,) = graph.cycles(deps)
    assert len(cycle) == n + 2 and cycle[0] == cycle[-1] == "S-0"


@given(st.dictionaries(st.integers(0, 12), st.lists(st.integers(0, 12), max_size=3), max_size=12))
def test_every_reported_cycle_is_real_and_every_cycle_reported(edges: dict[int, list[int]]) -> None:
    deps = {f"S-{k}": [f"S-{v}" for v in vs] for k, vs in edges.items()}
    cycles = graph.cycles(deps)
    for cycle in cycles:
        assert cycle[0] == cycle[-1]
        assert all(b in deps[a] for a, b in pairwise(cycle))
    # A graph has a cycle iff repeatedly removing stories with no known dependency left empties it.
    left = {k: {d for d in v if d in deps} for k, v in deps.items()}
    while True:
        free = [k for k, v in left.items() if not v]
        if not free:
            break
        for k in free:
            del left[k]
        for v in left.values():
            v.difference_update(free)
    assert bool(cycles) == bool(left)




def test_stuck_stories_are_those_on_a_cycle_or_needing_one() -> None:
    deps = {"S-1": [], "S-2": ["S-1"], "S-3": ["S-4"], "S-4": ["S-3", "S-1"], "S-5": ["S-3"], "S-6": ["S-5", "S-9"],
            "S-7": ["S-7"], "S-8": ["S-2", "S-2"]}
    assert graph.stuck(deps) == {"S-3", "S-4", "S-5", "S-6", "S-7"}  # S-9 is unknown: S-6 waits on S-5 only
    assert graph.stuck({f"S-{i}": [f"S-{i - 1}"] if i else [] for i in range(5000)}) == set()  # a long chain


def _reachable(deps: dict[str, list[str]], start: str) -> set[str]:
    """The known stories ``start`` reaches in one step or more."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for dep in deps[todo.pop()]:
            if dep in deps and dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def _loop_length(deps: dict[str, list[str]], start: str) -> int:
    """The steps of the shortest path from ``start`` back to it (breadth first)."""
    step, frontier, seen = 1, {d for d in deps[start] if d in deps}, set()
    while start not in frontier:
        seen |= frontier
        frontier = {d for node in frontier for d in deps[node] if d in deps and d not in seen}
        step += 1
    return step


@given(st.dictionaries(st.integers(0, 40), st.lists(st.integers(0, 44), max_size=3), max_size=40))
def test_one_shortest_cycle_for_each_group_of_stories_that_reach_each_other(edges: dict[int, list[int]]) -> None:
    deps = {f"S-{k}": [f"S-{v}" for v in vs] for k, vs in edges.items()}
    reach = {story: _reachable(deps, story) for story in deps}
    groups = {frozenset({s} | {t for t in reach[s] if s in reach[t]}) for s in deps if s in reach[s]}
    cycles = graph.cycles(deps)
    assert [c[0] for c in cycles] == sorted((min(g, key=graph.id_key) for g in groups), key=graph.id_key)
    for cycle in cycles:
        (group,) = [g for g in groups if cycle[0] in g]
        assert set(cycle) <= group and len(cycle) - 1 == _loop_length(deps, cycle[0])
    # the stuck stories: on a cycle, or reaching one
    assert graph.stuck(deps) == {s for s in deps if any(t in reach[t] for t in reach[s] | {s})}
