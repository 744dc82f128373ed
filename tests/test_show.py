"""storykit show lists what a person must still tick before complete (STORY-001)."""

from __future__ import annotations

from conftest import Project


def test_show_lists_unticked_items_by_section(project: Project) -> None:
    project.new()
    result = project.run("show", "1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    start = lines.index("  Unticked items (a person ticks these before complete):")
    assert lines[start + 1] == "    1. Tasks: Read the code the feature touches"
    assert "    20. Acceptance Criteria: [Acceptance criterion 1]" in lines
    assert "    28. Completion Checklist: Handoff notes documented" in lines
    # Items storykit ticks itself are not a person's to-do.
    assert not any("Execute test command" in line for line in lines)


def test_show_says_when_nothing_is_left(project: Project) -> None:
    project.new()
    project.tick_all()
    result = project.run("show", "1")
    assert "  Unticked items: none" in result.stdout.splitlines()
