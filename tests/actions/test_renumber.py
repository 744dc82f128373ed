"""storykit renumber (issue 6): a story's id, heading and file, and every reference
to it in other stories, changed together; refused when the new id is taken."""

from __future__ import annotations

import difflib
import subprocess

import pytest
import yaml

from conftest import Project


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.fixture
def chain(project: Project) -> Project:
    """STORY-001 <- STORY-002 <- STORY-003 (which also depends on STORY-001), committed."""
    assert project.new(title="Base").exit_code == 0
    assert project.new("--depends", "1", title="Child").exit_code == 0
    assert project.new("--depends", "2", "--depends", "1", title="Grandchild").exit_code == 0
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "stories")
    return project


def test_renumber_changes_the_story_and_every_reference(chain: Project) -> None:
    base, child, grandchild = (chain.story(f"STORY-00{n}") for n in (1, 2, 3))
    result = chain.run("renumber", "STORY-001", "STORY-007")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Renumbered STORY-001 -> STORY-007: stories/STORY-007-base.md (was stories/STORY-001-base.md)",
        "  updated stories/STORY-002-child.md",
        "  updated stories/STORY-003-grandchild.md",
    ]
    assert not (chain.root / "stories/STORY-001-base.md").exists()
    renamed = chain.story("STORY-007")
    assert changed_lines(base, renamed) == [
        "-id: STORY-001", "+id: STORY-007", "-# STORY-001: Base", "+# STORY-007: Base",
        "-- Pending: `storykit run-tests STORY-001` runs the tests and records the failing output here.",
        "+- Pending: `storykit run-tests STORY-007` runs the tests and records the failing output here.",
    ]
    assert changed_lines(child, chain.story("STORY-002")) == [
        "-- STORY-001", "+- STORY-007", "-**Dependencies:** STORY-001", "+**Dependencies:** STORY-007"]
    assert front(chain.story("STORY-003"))["dependencies"] == ["STORY-002", "STORY-007"]
    assert "**Dependencies:** STORY-002, STORY-007" in chain.story("STORY-003")
    assert "**Blocks:** STORY-002, STORY-003" in renamed
    # the user's own text is reported, not rewritten
    assert "stories/STORY-002-child.md:" in result.stderr and "still mentions STORY-001" in result.stderr
    assert "- STORY-001: Base - [Why dependency exists]" in chain.story("STORY-002")
    tracker = chain.read("STORY_TRACKER.md")
    assert "[STORY-007](stories/STORY-007-base.md)" in tracker and "STORY-001" not in tracker
    assert chain.run("tracker", "--check").exit_code == 0
    assert grandchild != chain.story("STORY-003")


def test_renumber_updates_the_blocks_line_of_its_dependencies(chain: Project) -> None:
    result = chain.run("renumber", "2", "9")
    assert result.exit_code == 0, result.output
    assert "**Blocks:** STORY-003, STORY-009" in chain.story("STORY-001")
    assert front(chain.story("STORY-003"))["dependencies"] == ["STORY-009", "STORY-001"]
    assert chain.run("tracker", "--check").exit_code == 0


def test_renumber_without_new_takes_the_next_free_id(chain: Project) -> None:
    result = chain.run("renumber", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Renumbered STORY-001 -> STORY-004: stories/STORY-004-base.md")


def test_renumber_refuses_a_taken_id_and_changes_nothing(chain: Project) -> None:
    before = chain.snapshot()
    result = chain.run("renumber", "1", "3")
    assert result.exit_code == 2
    assert result.stderr == ("Error: STORY-003 already exists (stories/STORY-003-grandchild.md); "
                             "leave NEW out to take the next free id (STORY-004)\n")
    assert chain.snapshot() == before


def test_renumber_refuses_an_id_taken_on_another_branch(chain: Project) -> None:
    chain.git("switch", "-q", "-c", "other")
    assert chain.new(title="Elsewhere").exit_code == 0  # STORY-004, only on 'other'
    chain.git("add", "-A")
    chain.git("commit", "-q", "-m", "other")
    chain.git("switch", "-q", "main")
    before = chain.snapshot()
    result = chain.run("renumber", "1", "4")
    assert result.exit_code == 2
    assert "STORY-004 is taken on another branch or earlier in history (stories/STORY-004-elsewhere.md)" \
        in result.stderr
    assert chain.snapshot() == before
    assert chain.run("renumber", "1").stdout.startswith("Renumbered STORY-001 -> STORY-005")


def test_renumber_refuses_the_same_id_and_unknown_story(chain: Project) -> None:
    same = chain.run("renumber", "1", "1")
    assert same.exit_code == 2
    assert "stories/STORY-001-base.md already has the id STORY-001" in same.stderr
    missing = chain.run("renumber", "42", "43")
    assert missing.exit_code == 2
    assert "no story STORY-042 in stories/" in missing.stderr


def test_dry_run_writes_nothing(chain: Project) -> None:
    before = chain.snapshot()
    result = chain.run("renumber", "1", "7", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == \
        "Would renumber STORY-001 -> STORY-007: stories/STORY-007-base.md (was stories/STORY-001-base.md)"
    assert chain.snapshot() == before


def test_a_failed_write_leaves_every_file_as_it_was(chain: Project) -> None:
    """The tracker is written last; when that write fails (here: its folder is a file),
    the stories already renamed and rewritten are put back as they were."""
    chain.write("storykit.toml", chain.read("storykit.toml").replace('tracker = "STORY_TRACKER.md"',
                                                                    'tracker = "README.md/TRACKER.md"'))
    before = chain.snapshot()
    result = chain.run("renumber", "1", "7")
    assert result.exit_code == 2  # the save transaction names the file it could not write, in one line
    assert result.stderr.startswith("Error: cannot write README.md/TRACKER.md: ")
    assert result.stderr.count("\n") == 1
    assert chain.snapshot() == before


def test_duplicate_after_a_merge_is_resolved_by_file(project: Project) -> None:
    """Two branches that both forced --id 5: the merge keeps both files; renumber
    one of them, named by its file, to the next free id."""
    for branch, title in (("alice", "Alice five"), ("bob", "Bob five")):
        project.git("switch", "-q", "-c", branch, "main")
        assert project.new("--id", "5", title=title).exit_code == 0
        project.git("add", "-A")
        project.git("commit", "-q", "-m", branch)
    merged = subprocess.run(["git", "merge", "--no-edit", "alice"], cwd=project.root, capture_output=True, text=True)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert project.run("tracker", "--check").exit_code == 0

    ambiguous = project.run("renumber", "5")
    assert ambiguous.exit_code == 2
    assert ambiguous.stderr == (
        "Error: STORY-005 is used by 2 files (STORY-005-alice-five.md, STORY-005-bob-five.md); "
        "name the one to renumber by its file: storykit renumber stories/STORY-005-bob-five.md [NEW]\n")
    result = project.run("renumber", "stories/STORY-005-bob-five.md")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Renumbered STORY-005 -> STORY-006: stories/STORY-006-bob-five.md")
    assert front(project.story("STORY-006"))["id"] == "STORY-006"
    assert front(project.story("STORY-005"))["title"] == "Alice five"
    assert project.run("show", "5").exit_code == 0
    assert project.run("tracker", "--check").exit_code == 0


def test_renumber_follows_a_duplicate_that_names_the_story(chain: Project) -> None:
    closed = chain.run("close", "STORY-003", "--as", "duplicate", "--of", "STORY-001", "--reason", "same work")
    assert closed.exit_code == 0, closed.output
    chain.git("commit", "-qam", "close")
    result = chain.run("renumber", "STORY-001", "STORY-007")
    assert result.exit_code == 0, result.output
    assert "  updated stories/STORY-003-grandchild.md" in result.stdout.splitlines()
    duplicate = chain.story("STORY-003")
    assert front(duplicate)["duplicate_of"] == "STORY-007"
    assert "**Closed:** duplicate of STORY-007: same work" in duplicate
    assert "STORY-001" not in duplicate.split("## Context")[0].replace("- STORY-001: Base", "")
    assert chain.run("check").exit_code == 0, chain.run("check").output
    assert chain.run("tracker", "--check").exit_code == 0
