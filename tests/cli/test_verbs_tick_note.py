"""storykit tick and storykit note: an agent ticks checklist items and leaves handoff
notes through storykit instead of editing the Markdown by hand (STORY-070)."""

from __future__ import annotations

import json
from datetime import date

from conftest import Project

TODAY = date.today().isoformat()


def _line_of(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def test_show_numbers_each_unticked_item_and_the_numbers_stay_put(story: Project) -> None:
    lines = story.run("show", "1").stdout.splitlines()
    assert "    1. Tasks: Read the code the feature touches" in lines
    assert "    2. Tasks: List the behaviours to specify as tests" in lines
    assert "    20. Acceptance Criteria: [Acceptance criterion 1]" in lines
    assert "    28. Completion Checklist: Handoff notes documented" in lines
    assert story.run("tick", "1", "1").exit_code == 0
    after = story.run("show", "1").stdout.splitlines()
    assert not any("Read the code" in line for line in after)
    assert "    2. Tasks: List the behaviours to specify as tests" in after  # not renumbered
    doc = json.loads(story.run("show", "1", "--json").stdout)
    assert {"number": 2, "section": "Tasks", "item": "List the behaviours to specify as tests"} \
        in doc["story"]["unticked"]


def test_tick_by_number_and_by_text(story: Project) -> None:
    result = story.run("tick", "STORY-001", "1", "edge cases")
    assert result.exit_code == 0, result.output
    assert result.stdout == ('STORY-001: ticked 1 "Read the code the feature touches", '
                             '5 "Write tests for edge cases and invalid input"; 15 item(s) left to tick\n')
    text = story.story()
    assert _line_of(text, "Read the code") == "- [x] Read the code the feature touches"
    assert _line_of(text, "edge cases") == "- [x] Write tests for edge cases and invalid input"
    assert _line_of(text, "List the behaviours") == "- [ ] List the behaviours to specify as tests"


def test_tick_again_is_a_no_op_and_writes_nothing(story: Project) -> None:
    assert story.run("tick", "1", "1").exit_code == 0
    before = story.snapshot()
    result = story.run("tick", "1", "1")
    assert result.exit_code == 0
    assert result.stdout == "STORY-001: nothing to change (1 is already ticked); 16 item(s) left to tick\n"
    assert story.snapshot() == before


def test_tick_undo(story: Project) -> None:
    assert story.run("tick", "1", "1", "2").exit_code == 0
    result = story.run("tick", "1", "2", "--undo")
    assert result.exit_code == 0, result.output
    assert result.stdout == 'STORY-001: unticked 2 "List the behaviours to specify as tests"; 16 item(s) left to tick\n'
    text = story.story()
    assert _line_of(text, "Read the code") == "- [x] Read the code the feature touches"
    assert _line_of(text, "List the behaviours") == "- [ ] List the behaviours to specify as tests"


def test_ambiguous_text_lists_the_candidates_and_changes_nothing(story: Project) -> None:
    before = story.snapshot()
    result = story.run("tick", "1", "WRITE")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: 'WRITE' matches 3 items of STORY-001: 4 \"Write a test for each behaviour (happy path first)\", "
        "5 \"Write tests for edge cases and invalid input\", 6 \"Write a test for each error the user can see\"; "
        "give its number (see 'storykit show STORY-001')\n")
    assert story.snapshot() == before


def test_unknown_text_and_number_are_refused_and_nothing_is_ticked(story: Project) -> None:
    before = story.snapshot()
    result = story.run("tick", "1", "zebra")
    assert (result.exit_code, result.stderr) == (
        2, "Error: no checklist item of STORY-001 matches 'zebra'; see its items with 'storykit show STORY-001'\n")
    result = story.run("tick", "1", "1", "99")  # all or nothing: item 1 stays unticked
    assert (result.exit_code, result.stderr) == (
        2, "Error: STORY-001 has no checklist item 99 (its items are 1-31); see 'storykit show STORY-001'\n")
    assert story.snapshot() == before


def test_items_storykit_verifies_are_refused_naming_the_command(story: Project) -> None:
    before = story.snapshot()
    result = story.run("tick", "1", "8")
    assert result.exit_code == 1
    assert result.stderr == ('Refused: item 8 of STORY-001 ("Execute test command") is ticked by storykit when '
                             "it verifies it; run 'storykit run-tests STORY-001'\n")
    result = story.run("tick", "1", "Committed with message")
    assert result.exit_code == 1
    assert result.stderr.startswith('Refused: item 30 of STORY-001 ("Committed with message: ')
    assert result.stderr.endswith("run 'storykit complete STORY-001'\n")
    assert story.snapshot() == before


def test_tick_json(story: Project) -> None:
    result = story.run("tick", "1", "3", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc == {"version": 2, "kind": "tick", "ok": True, "id": "STORY-001",
                   "path": "stories/STORY-001-add-feature.md", "undo": False,
                   "changed": [{"number": 3, "section": "Tasks",
                                "item": "Note the interfaces other stories rely on", "checked": True}],
                   "left": 16}
    refused = story.run("tick", "1", "8", "--json")
    assert refused.exit_code == 1
    error = json.loads(refused.stdout)
    assert (error["kind"], error["command"], error["error"]) == ("error", "tick", "refused")


def test_note_replaces_the_template_placeholder_then_appends(story: Project) -> None:
    result = story.run("note", "1", "The schema lives in db/schema.sql")
    assert result.exit_code == 0, result.output
    assert result.stdout == "STORY-001: note added to Handoff Notes\n"
    assert story.run("note", "1", "--by", "reviewer", "Second thought").exit_code == 0
    text = story.story()
    section = text.split("## Handoff Notes\n", 1)[1].split("\n## ", 1)[0]
    assert section == (f"\n- {TODAY} (Test User): The schema lives in db/schema.sql\n"
                       f"- {TODAY} (reviewer): Second thought\n\n---\n")
    assert "[What the next story needs to know]" not in text


def test_note_folds_newlines_and_refuses_an_empty_note(story: Project) -> None:
    assert story.run("note", "1", "line one\n\n  line two\r\n").exit_code == 0
    assert f"- {TODAY} (Test User): line one line two\n" in story.story()
    before = story.snapshot()
    result = story.run("note", "1", " \n ")
    assert (result.exit_code, result.stderr) == (2, "Error: the note is empty; give the text of the note\n")
    assert story.snapshot() == before


def test_note_makes_a_notes_section_where_the_template_has_none(story: Project) -> None:
    path = story.story_path()
    text = path.read_text(encoding="utf-8")
    start = text.index("## Handoff Notes")
    end = text.index("## Known Issues")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert story.run("note", "1", "--", "-- starts like an option").exit_code == 0
    after = path.read_text(encoding="utf-8")
    assert f"## Notes\n\n- {TODAY} (Test User): -- starts like an option\n\n---\n\n## Completion Checklist" in after
    assert story.run("note", "1", "again").exit_code == 0
    assert f"(Test User): -- starts like an option\n- {TODAY} (Test User): again\n\n---\n" in story.story()


def test_note_json_and_unknown_story(story: Project) -> None:
    result = story.run("note", "1", "hello", "--json")
    assert json.loads(result.stdout) == {"version": 2, "kind": "note", "ok": True, "id": "STORY-001",
                                         "path": "stories/STORY-001-add-feature.md", "section": "Handoff Notes",
                                         "date": TODAY, "by": "Test User", "text": "hello"}
    result = story.run("note", "9", "hello")
    assert (result.exit_code, result.stderr) == (
        2, "Error: no story STORY-009 in stories/; run 'storykit list' to see the stories\n")
