"""storykit.story.records: run records, the evidence file beside a story, and the
digests that tie the two together (pure functions; no git, no CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storykit.story import records

RED = {"tests/test_a.py::test_two": "failed AssertionError", "tests/test_a.py::test_one": "passed"}


def test_the_evidence_file_sits_beside_the_story_named_after_its_file() -> None:
    story = Path("stories/STORY-007-add-tags.md")
    assert records.evidence_path(story) == Path("stories/.evidence/STORY-007-add-tags.json")


def test_the_evidence_file_round_trips_in_run_order() -> None:
    text = records.dump_evidence({"red": {"at": "2026-11-28T10:00:00Z", "tests": RED}})
    parsed = records.parse_evidence(text)
    assert [(t.node, t.outcome, t.why) for t in parsed["red"]] == [
        ("tests/test_a.py::test_two", "failed", "AssertionError"), ("tests/test_a.py::test_one", "passed", None)]
    assert '      ["tests/test_a.py::test_one", "passed", null]\n' in text  # one test a line: reviewable diffs


def test_the_front_matter_keeps_a_digest_of_the_records_not_the_records() -> None:
    meta = {"id": "STORY-001", "runs": {"red": {"at": "2026-11-28T10:00:00Z", "tests": RED}}}
    summary = records.summary_meta(meta)
    assert "tests" not in summary["runs"]["red"]
    assert summary["runs"]["red"]["evidence"] == records.tests_digest(records.parse_evidence(
        records.dump_evidence(meta["runs"]))["red"])
    assert meta["runs"]["red"]["tests"] == RED  # a copy: the meta itself is not changed


def test_any_edit_of_a_record_changes_the_digest() -> None:
    tests = records.parse_evidence(records.dump_evidence({"red": {"tests": RED}}))["red"]
    edited = [records.TestRecord(t.node, "passed", None) for t in tests]
    assert records.tests_digest(edited) != records.tests_digest(tests)


@pytest.mark.parametrize("text", ["[]", '{"runs": {"red": {}}}', '{"runs": {"red": [["only", "two"]]}}'])
def test_a_file_that_is_not_evidence_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        records.parse_evidence(text)
