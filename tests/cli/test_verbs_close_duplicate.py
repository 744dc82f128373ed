"""storykit close --as duplicate --of a story that depends on it would leave that
story waiting for itself for ever: refused, nothing written (STORY-074)."""

from __future__ import annotations

import json

from conftest import Project


def test_a_duplicate_of_a_story_that_depends_on_it_is_refused(story: Project) -> None:
    assert story.new(title="Second", *("--depends", "1")).exit_code == 0
    before = story.snapshot()
    result = story.run("close", "1", "--as", "duplicate", "--reason", "same", "--of", "2")
    assert (result.exit_code, result.stderr) == (
        2, "Error: STORY-002 depends on STORY-001: as its duplicate, STORY-002 would wait for itself; "
           "remove the dependency first ('storykit set STORY-002 dependencies=...')\n")
    assert story.snapshot() == before


def test_a_duplicate_of_an_independent_story_is_closed(story: Project) -> None:
    assert story.new(title="Second").exit_code == 0
    result = story.run("close", "1", "--as", "duplicate", "--reason", "same", "--of", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["duplicate_of"] == "STORY-002"
