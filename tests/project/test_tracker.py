"""The tracker: its dependency graph names exactly the stories that have an edge, its links
work, and its fast paths give what the plain rules give."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from conftest import Project
from storykit.project import tracker


def test_graph_lists_linked_stories_only(project: Project) -> None:
    assert project.new(title="Base").exit_code == 0
    assert project.new("--depends", "1", title="On base").exit_code == 0
    assert project.new(title="Alone").exit_code == 0
    tracker = project.read("STORY_TRACKER.md")
    graph = tracker.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert graph.splitlines() == [
        "graph LR",
        '  STORY_001["STORY-001: Base"]',
        '  STORY_002["STORY-002: On base"]',
        "  STORY_001 --> STORY_002",
    ]


def test_links_lead_from_the_tracker_to_the_stories(project: Project) -> None:
    config = project.read("storykit.toml").replace('tracker = "STORY_TRACKER.md"', 'tracker = "docs/status/TRACKER.md"')
    project.write("storykit.toml", config)
    assert project.new(title="Linked").exit_code == 0
    assert "| [STORY-001](../../stories/STORY-001-linked.md) |" in project.read("docs/status/TRACKER.md")


@given(st.none() | st.text() | st.lists(st.text(), max_size=4) | st.integers() | st.floats(allow_nan=False))
def test_cell_fast_path_equals_the_plain_rule(value: object) -> None:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value if value is not None else "")
    assert tracker._cell(value) == (re.sub(r"\s+", " ", text).replace("|", "\\|").strip() or "—")


@given(st.text(alphabet="0123456789.-– tohursminwdHMD", max_size=20))
def test_hours_is_the_same_cached_or_not(text: str) -> None:
    expected = tracker._hours.__wrapped__(text) if text else None
    assert tracker.hours(text) == expected
    assert tracker.hours(text) == expected  # the second time from the cache
