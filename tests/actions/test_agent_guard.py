"""The hook's pure parts: edits read from each tool's payload, edits simulated on a
story's text, and the guard's rules (issue 13)."""

from __future__ import annotations

from pathlib import Path

from types import ModuleType

import pytest


def hooks() -> tuple[ModuleType, ModuleType]:
    """The modules under test, imported by each test (a missing module fails the test)."""
    from storykit.hooks import guard, tools

    return guard, tools

STORY = """---
id: STORY-001
title: Add tags
status: red
template: feature
created: '2026-11-28'
tests:
- tests/test_tags.py
runs:
  red:
    exit_code: 1
---

# STORY-001: Add tags

**Status:** ❌ Red (tests failing)

## Tasks (TDD Order)
- [ ] Write the tests

## Test Results (MANDATORY)

- Result: 2 failed, 2 total

## Completion Checklist
- [ ] Done
"""
PATH = Path("stories/STORY-001-add-tags.md")


def changed(before: str, after: str) -> str | None:
    guard, tools = hooks()
    return guard.owned_change("STORY-001", before, after, PATH)


def test_editing_the_body_outside_storykit_regions_is_fine() -> None:
    guard, tools = hooks()
    assert changed(STORY, STORY.replace("- [ ] Write the tests", "- [x] Write the tests")) is None
    assert changed(STORY, STORY.replace("title: Add tags", "title: Add a tags table")) is None
    assert changed(STORY, STORY.replace("\n", "\r\n")) is None  # line endings are not content


@pytest.mark.parametrize(("old", "new", "what"), [
    ("status: red", "status: green", "status"),
    ("exit_code: 1", "exit_code: 0", "recorded runs"),
    ("**Status:** ❌ Red (tests failing)", "**Status:** ✅ Done", "**Status:** line"),
    ("- Result: 2 failed", "- Result: 2 passed", "Test Results section"),
])
def test_each_owned_region_is_named(old: str, new: str, what: str) -> None:
    guard, tools = hooks()
    reason = changed(STORY, STORY.replace(old, new))
    assert reason is not None and reason.startswith(f"STORY-001's {what} is written by storykit, never by hand")


def test_status_and_its_line_together_are_named_together() -> None:
    guard, tools = hooks()
    forged = STORY.replace("status: red", "status: done").replace("❌ Red (tests failing)", "✅ Done")
    assert changed(STORY, forged) == ("STORY-001's status and **Status:** line is written by storykit, never by hand: "
                                      "'storykit run-tests STORY-001' and 'storykit complete STORY-001' move it")


def test_breaking_the_front_matter_and_creating_a_story_by_hand_are_refused() -> None:
    guard, tools = hooks()
    assert changed(STORY, STORY.replace("status: red", "status: [red")) == (
        "the edit breaks STORY-001's front matter, which storykit reads: keep it valid YAML")
    assert changed(None, STORY) == ("a story file is made by 'storykit new', not by hand "  # type: ignore[arg-type]
                                    "(it writes the status and the Test Results)")


def test_a_heading_inside_a_code_block_does_not_hide_the_section() -> None:
    guard, tools = hooks()
    tricky = STORY.replace("## Tasks (TDD Order)", "```\n## Test Results (fake)\n```\n\n## Tasks (TDD Order)")
    assert changed(tricky, tricky.replace("- Result: 2 failed", "- Result: 2 passed")) is not None


def test_safe_before_red() -> None:
    guard, tools = hooks()
    meta = {"tests": ["tests/test_tags.py::test_one", "tests/data/"]}
    allowed = ["tests/test_tags.py", "tests/data/sample.json", "README.md", "docs/x.rst", "pyproject.toml",
               "src/conftest.py", "stories/STORY-009-other.md", "notes.txt"]
    denied = ["src/app.py", "tests/test_other.py", "setup.py", "src/templates/page.html", "stories/sub/x.py"]
    assert [rel for rel in allowed if not guard.safe_before_red(rel, meta, "stories")] == []
    assert [rel for rel in denied if guard.safe_before_red(rel, meta, "stories")] == []
    marked: dict[str, object] = {"tests": []}  # tests selected by @pytest.mark.story: any test file
    assert guard.safe_before_red("tests/unit/test_x.py", marked, "stories")
    assert not guard.safe_before_red("src/x.py", marked, "stories")


def test_before_red_reads_the_status_and_the_runs() -> None:
    guard, tools = hooks()
    assert guard.before_red({"status": "not-started"})
    assert not guard.before_red({"status": "red"})
    assert not guard.before_red({"status": "not-started", "runs": {"red": {"exit_code": 1}}})


def test_an_apply_patch_is_read_and_applied() -> None:
    guard, tools = hooks()
    patch = ("*** Begin Patch\n*** Update File: stories/STORY-001-add-tags.md\n@@ ## Tasks\n"
             "-- [ ] Write the tests\n+- [x] Write the tests\n*** Add File: src/new.py\n+x = 1\n+y = 2\n"
             "*** Delete File: old.py\n*** End Patch\n")
    story, added, deleted = tools.parse_patch(patch)
    assert (story.path, story.kind, added.path, added.content, deleted.kind) == (
        "stories/STORY-001-add-tags.md", "patch", "src/new.py", "x = 1\ny = 2\n", "delete")
    assert tools.apply(story, STORY) == STORY.replace("- [ ] Write the tests", "- [x] Write the tests")
    stale = tools.parse_patch("*** Update File: a.md\n@@\n-not there\n+x\n")[0]
    assert tools.apply(stale, STORY) is None


def test_replace_edits_follow_the_tools_rules() -> None:
    guard, tools = hooks()
    edit = tools.Edit("a", "replace", pairs=[("- [ ]", "- [x]", False)])
    assert tools.apply(edit, STORY) == STORY.replace("- [ ]", "- [x]", 1)
    every = tools.Edit("a", "replace", pairs=[("- [ ]", "- [x]", True)])
    assert tools.apply(every, STORY) == STORY.replace("- [ ]", "- [x]")
    missing = tools.Edit("a", "replace", pairs=[("nowhere", "x", False)])
    assert tools.apply(missing, STORY) == STORY  # the tool itself refuses it: nothing changes


@pytest.mark.parametrize(("tool", "payload", "kind"), [
    ("claude", {"tool_name": "Write", "tool_input": {"file_path": "/p/a.py", "content": "x"}}, "write"),
    ("claude", {"tool_name": "NotebookEdit", "tool_input": {"notebook_path": "/p/n.ipynb", "new_source": "x"}},
     "unknown"),
    ("cursor", {"tool_name": "Write", "tool_input": {"target_file": "/p/a.py"}}, "unknown"),
    ("cursor", {"tool_name": "Write", "tool_input": '{"file_path": "/p/a.py", "content": "x"}'}, "write"),
    ("gemini", {"tool_name": "replace", "tool_input": {"file_path": "/p/a.py", "old_string": "a",
                                                       "new_string": "b", "expected_replacements": 2}}, "replace"),
])
def test_each_tools_edit_payload(tool: str, payload: dict[str, object], kind: str) -> None:
    guard, tools = hooks()
    (edit,) = tools.edits(tool, payload)
    assert (Path(edit.path).name, edit.kind) == (Path(str(edit.path)).name, kind)
    if tool == "gemini":
        assert edit.pairs == [("a", "b", True)]


def test_a_read_tool_is_not_an_edit_and_a_broken_payload_is_named() -> None:
    guard, tools = hooks()
    assert tools.edits("claude", {"tool_name": "Read", "tool_input": {"pattern": "x"}}) == []
    with pytest.raises(tools.PayloadError, match="the Write payload has no tool_input.file_path"):
        tools.edits("claude", {"tool_name": "Write", "tool_input": {"content": "x"}})


def test_the_quick_front_matter_reader_agrees_with_yaml_or_steps_aside() -> None:
    from storykit.hooks.run import quick_meta
    from storykit.story.model import dump_front, parse

    metas = [
        {"id": "STORY-001", "title": "T", "status": "not-started", "template": "feature", "created": "2026-11-28",
         "tests": ["tests/test_a.py", "tests/it's odd.py", "tests/test_b.py::test_one"], "min_tests": 1},
        {"id": "STORY-002", "title": "T", "status": "red", "template": "feature", "created": "2026-11-28",
         "tests": [], "runs": {"red": {"exit_code": 1, "counts": {"failed": 2}}}},
        {"id": "STORY-003", "title": "T: a title with: colons", "status": "green", "template": "feature",
         "created": "2026-11-28", "tests": ["a b.py"], "validate": ["ruff check ."],
         "runs": {"red": {"at": "x"}, "green": {"at": "y"}}},
    ]
    for meta in metas:
        text = dump_front(meta) + "\nbody\n"
        quick = quick_meta(text)
        full = parse(text, Path("x.md")).meta
        assert quick is not None, text
        assert (quick["status"], quick["tests"], set(quick["runs"])) == (
            full["status"], full.get("tests") or [], set(full.get("runs") or {}))
    hand = "---\nid: STORY-004\nstatus: red\ntests: [tests/a.py]\n---\n"  # flow style: left to YAML
    assert quick_meta(hand) is None
    assert quick_meta("---\r\nstatus: red\r\n---\r\n") is None
