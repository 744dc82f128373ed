"""The dependency graph (pure functions) and the tracker sections built on it."""

from __future__ import annotations

import re
from itertools import pairwise

import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import Project
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


def _set_meta(project: Project, story_id: str, **values: object) -> None:
    path = project.story_path(story_id)
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    meta.update(values)
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body, encoding="utf-8")


def test_tracker_shows_ready_blocked_graph_and_time(project: Project) -> None:
    assert project.run("new", "feature", "--title", "Schema", "--tests", "tests/test_a.py",
                       "--estimate", "1-2 hours").exit_code == 0
    assert project.run("new", "feature", "--title", "API", "--tests", "tests/test_b.py", "--estimate", "3 hours",
                       "--depends", "1").exit_code == 0
    assert project.run("new", "feature", "--title", "UI", "--tests", "tests/test_c.py", "--estimate", "90 min",
                       "--depends", "1", "--depends", "2").exit_code == 0
    assert project.run("new", "bugfix", "--title", "Crash", "--tests", "tests/test_d.py").exit_code == 0
    tracker = project.read("STORY_TRACKER.md")
    assert "- Ready to start: STORY-001, STORY-004\n" in tracker
    assert "- Blocked: STORY-002 (waits for STORY-001); STORY-003 (waits for STORY-001, STORY-002)\n" in tracker
    assert "| All stories | 6.5–7.5 h | — |" in tracker
    mermaid = tracker.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert mermaid == (
        "graph LR\n"
        '  STORY_001["STORY-001: Schema"]\n'
        '  STORY_002["STORY-002: API"]\n'
        '  STORY_003["STORY-003: UI"]\n'
        "  STORY_001 --> STORY_002\n"
        "  STORY_001 --> STORY_003\n"
        "  STORY_002 --> STORY_003\n"
    )
    # The derived Blocks line of STORY-001 names its dependents.
    assert "**Blocks:** STORY-002, STORY-003" in project.story("STORY-001")

    # Once STORY-001 is done (front matter is the tracker's only input), STORY-002 is ready.
    _set_meta(project, "STORY-001", status="done", actual="2.5h")
    assert project.run("tracker").exit_code == 0
    tracker = project.read("STORY_TRACKER.md")
    assert "- Ready to start: STORY-002, STORY-004\n" in tracker
    assert "- Blocked: STORY-003 (waits for STORY-002)\n" in tracker
    assert "| Done stories | 1–2 h | 2.5 h |" in tracker
    assert re.search(r"\| ✅ Done \| 1 \|", tracker)
    again = project.run("tracker")
    assert "already up to date" in again.stdout
    assert project.run("tracker", "--check").exit_code == 0
