"""The tracker: its dependency graph names exactly the stories that have an edge; its links work."""

from __future__ import annotations

from conftest import Project


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
