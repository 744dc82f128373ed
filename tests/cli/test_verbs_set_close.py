"""storykit set (the fields people own) and storykit close (a terminal state other
than done), validated as `new` validates, refused without a trace (STORY-071)."""

from __future__ import annotations

import json

import yaml

from conftest import Project


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def _line_of(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(needle))


def test_set_updates_front_matter_header_lines_and_tracker(story: Project) -> None:
    result = story.run("set", "1", "title=Add tags", "track=Backend", "agent=api-dev", "estimate=2h",
                       "priority=P1", "labels=api, cli", "min_tests=3")
    assert result.exit_code == 0, result.output
    assert result.stdout == "STORY-001: set title, track, agent, estimate, priority, labels, min_tests\n"
    text = story.story()
    meta = front(text)
    assert (meta["title"], meta["track"], meta["agent"], meta["estimate"]) == ("Add tags", "Backend", "api-dev", "2h")
    assert (meta["priority"], meta["labels"], meta["min_tests"]) == ("p1", ["api", "cli"], 3)
    assert "# STORY-001: Add tags\n" in text
    assert _line_of(text, "**Track:**") == "**Track:** Backend"
    assert _line_of(text, "**Agent:**") == "**Agent:** api-dev"
    assert _line_of(text, "**Time Estimate:**") == "**Time Estimate:** 2h"
    # A story made before priorities gets the lines, in the header, before Dependencies.
    assert "**Time Estimate:** 2h\n**Priority:** p1\n**Labels:** api, cli\n**Dependencies:** None\n" in text
    assert "| Add tags |" in story.read("STORY_TRACKER.md")
    assert story.run("check").exit_code == 0


def test_set_dependencies_checks_them_like_new_and_refreshes_blocks(story: Project) -> None:
    assert story.new(title="Second").exit_code == 0
    result = story.run("set", "2", "dependencies=1")
    assert result.exit_code == 0, result.output
    assert front(story.story("STORY-002"))["dependencies"] == ["STORY-001"]
    assert _line_of(story.story("STORY-002"), "**Dependencies:**") == "**Dependencies:** STORY-001"
    assert _line_of(story.story(), "**Blocks:**") == "**Blocks:** STORY-002"
    before = story.snapshot()
    cycle = story.run("set", "1", "dependencies=2")
    assert (cycle.exit_code, cycle.stderr) == (
        2, "Error: STORY-001 cannot depend on STORY-002: that makes a cycle STORY-001 -> STORY-002 -> STORY-001\n")
    unknown = story.run("set", "1", "dependencies=9")
    assert unknown.stderr == "Error: unknown dependency STORY-009; create it first, or check 'storykit list'\n"
    assert story.new(title="Third", *("--depends", "9")).stderr == unknown.stderr  # the same check as new
    itself = story.run("set", "1", "dependencies=STORY-001")
    assert itself.stderr == "Error: STORY-001 cannot depend on itself\n"
    assert story.snapshot() == before
    assert story.run("set", "2", "dependencies=").exit_code == 0
    assert _line_of(story.story(), "**Blocks:**") == "**Blocks:** None"


def test_set_refuses_what_storykit_owns_and_bad_values(story: Project) -> None:
    before = story.snapshot()
    cases = {
        ("status=done",): "Error: 'status' is not set by hand: storykit moves it with the evidence; run "
                          "'storykit run-tests', 'storykit complete' or 'storykit close'\n",
        ("runs={}",): "Error: 'runs' is not set by hand: storykit records it from real runs\n",
        ("completed_by=me",): "Error: 'completed_by' is not set by hand: 'storykit complete' records it\n",
        ("id=STORY-009",): "Error: 'id' is not set by hand; give the story a new id with 'storykit renumber'\n",
        ("priorty=p1",): "Error: unknown key 'priorty' (did you mean 'priority'?); the keys are title, track, "
                         "agent, estimate, priority, labels, dependencies, tests, min_tests\n",
        ("priority=urgent",): "Error: priority 'urgent' is not one of p0, p1, p2, p3 (p0 most urgent)\n",
        ("min_tests=many",): "Error: min_tests 'many' is not a whole number >= 0\n",
        ("title=  ",): "Error: the title is empty; pass --title \"What the story delivers\"\n",
        ("labels=a,b c",): "Error: label 'b c' has a space or a comma; a label is one word such as 'api'\n",
        ("track",): "Error: 'track' is not KEY=VALUE\n",
        ("title=A", "title=B"): "Error: 'title' is given twice\n",
    }
    for args, message in cases.items():
        result = story.run("set", "1", *args)
        assert (result.exit_code, result.stderr) == (2, message), args
    assert story.run("new", "feature", "--title", "X", "--priority", "urgent").stderr == \
        "Error: priority 'urgent' is not one of p0, p1, p2, p3 (p0 most urgent)\n"
    assert story.snapshot() == before


def test_set_tests_of_a_story_with_runs_says_its_evidence_is_stale(story: Project) -> None:
    story.tests_file("feature", failing=2)
    assert story.run("run-tests", "1").exit_code == 0
    result = story.run("set", "1", "tests=tests/test_feature.py,tests/test_more.py")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("STORY-001: set tests; its recorded runs are of other tests now: "
                             "run 'storykit run-tests STORY-001' again\n")
    assert front(story.story())["tests"] == ["tests/test_feature.py", "tests/test_more.py"]
    doc = json.loads(story.run("set", "1", "track=X", "--json").stdout)
    assert doc == {"version": 2, "kind": "set", "ok": True, "id": "STORY-001",
                   "path": "stories/STORY-001-add-feature.md", "changed": {"track": "X"}, "stale": False,
                   "notes": []}


def test_close_wont_do_is_terminal_tracked_and_accepted_by_check(story: Project) -> None:
    assert story.new(title="Second").exit_code == 0
    result = story.run("close", "1", "--as", "wont-do", "--reason", "Not needed after all")
    assert result.exit_code == 0, result.output
    assert result.stdout == "STORY-001 is closed (won't do): Not needed after all\n"
    text = story.story()
    meta = front(text)
    assert (meta["status"], meta["closed_as"], meta["closed_reason"]) == ("closed", "wont-do", "Not needed after all")
    assert "**Status:** ⚫ Closed\n**Closed:** won't do: Not needed after all\n" in text
    tracker = story.read("STORY_TRACKER.md")
    assert "| ⚫ Closed | 1 |" in tracker and "| **Total** | **2** |" in tracker
    assert "- Ready to start: STORY-002\n" in tracker
    assert story.run("next").stdout.startswith("STORY-002 ")
    assert story.run("check").exit_code == 0
    before = story.snapshot()
    again = story.run("close", "1", "--as", "obsolete", "--reason", "x")
    assert (again.exit_code, again.stderr) == (1, "Refused: STORY-001 is already closed (won't do)\n")
    run = story.run("run-tests", "1")
    assert (run.exit_code, run.stderr) == (
        1, "Refused: STORY-001 is closed (won't do); nothing runs for a closed story\n")
    assert story.snapshot() == before


def test_close_duplicate_needs_an_existing_of_and_counts_as_it(story: Project) -> None:
    assert story.new(title="Second").exit_code == 0
    assert story.new(title="Third", *("--depends", "2")).exit_code == 0
    before = story.snapshot()
    missing = story.run("close", "2", "--as", "duplicate", "--reason", "same as 1")
    assert (missing.exit_code, missing.stderr) == (
        2, "Error: --as duplicate needs --of ID, the story it duplicates\n")
    unknown = story.run("close", "2", "--as", "duplicate", "--reason", "same", "--of", "9")
    assert (unknown.exit_code, unknown.stderr) == (
        2, "Error: no story STORY-009 in stories/; run 'storykit list' to see the stories\n")
    itself = story.run("close", "2", "--as", "duplicate", "--reason", "same", "--of", "2")
    assert (itself.exit_code, itself.stderr) == (2, "Error: STORY-002 cannot be a duplicate of itself\n")
    stray = story.run("close", "2", "--as", "wont-do", "--reason", "no", "--of", "1")
    assert (stray.exit_code, stray.stderr) == (2, "Error: --of goes only with --as duplicate\n")
    empty = story.run("close", "2", "--as", "wont-do", "--reason", " ")
    assert (empty.exit_code, empty.stderr) == (2, "Error: the reason is empty; say why the story is closed\n")
    assert story.snapshot() == before
    result = story.run("close", "2", "--as", "duplicate", "--reason", "same as 1", "--of", "1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "version": 2, "kind": "close", "ok": True, "id": "STORY-002", "path": "stories/STORY-002-second.md",
        "status": "closed", "closed_as": "duplicate", "closed_reason": "same as 1", "duplicate_of": "STORY-001",
        "dependents": ["STORY-003"]}
    assert "**Closed:** duplicate of STORY-001: same as 1\n" in story.story("STORY-002")
    # STORY-003 depends on the duplicate: it waits for what STORY-001 waits for.
    doc = json.loads(story.run("next", "--json").stdout)
    assert [s["id"] for s in doc["ready"]] == ["STORY-001"]
    assert doc["blocked"] == [{"id": "STORY-003", "waits_for": ["STORY-002"]}]
    path = story.story_path()  # STORY-001 done (by hand, for the graph only): STORY-003 is ready
    path.write_text(path.read_text(encoding="utf-8").replace("status: not-started", "status: done"),
                    encoding="utf-8")
    assert [s["id"] for s in json.loads(story.run("next", "--json").stdout)["ready"]] == ["STORY-003"]


def test_depending_on_a_wont_do_story_is_never_satisfied_and_check_warns(story: Project) -> None:
    assert story.new(title="Second", *("--depends", "1")).exit_code == 0
    assert story.run("close", "1", "--as", "obsolete", "--reason", "superseded").exit_code == 0
    assert json.loads(story.run("next", "--json").stdout)["blocked"] == [{"id": "STORY-002",
                                                                        "waits_for": ["STORY-001"]}]
    result = story.run("check")
    assert result.exit_code == 0, result.output
    assert ("stories/STORY-002-second.md:10: SK403 warning: depends on STORY-001, which is closed (obsolete) and "
            "will never be done; remove the dependency or close this story too") in result.stdout


def test_close_refuses_a_done_story(story: Project) -> None:
    path = story.story_path()
    path.write_text(path.read_text(encoding="utf-8").replace("status: not-started", "status: done"), encoding="utf-8")
    before = story.snapshot()
    result = story.run("close", "1", "--as", "wont-do", "--reason", "late")
    assert (result.exit_code, result.stderr) == (1, "Refused: STORY-001 is done; a done story stays done\n")
    assert story.snapshot() == before
