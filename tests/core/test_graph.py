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


