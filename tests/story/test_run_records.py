"""Run records: a typed summary in the front matter, per-test records in the evidence
file beside the story (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storykit.story.model import dump_front, load

RED = {"at": "2026-11-28T10:00:00Z", "commit": "a" * 40, "tree": "b" * 40, "command": "python -m pytest tests",
       "exit_code": 1, "duration": 0.5, "counts": {"failed": 1, "passed": 1}, "total": 2,
       "digest": "sha256:" + "c" * 64, "log": ".storykit/logs/STORY-001-red.log",
       "tests": {"tests/test_a.py::test_zeta": "failed AssertionError", "tests/test_a.py::test_alpha": "passed"}}


@pytest.fixture(autouse=True)
def _records(monkeypatch: pytest.MonkeyPatch) -> None:
    global records
    import importlib

    records = importlib.import_module("storykit.story.records")


records = None  # set by the fixture: an import error would stop collection, and that is not red


def meta() -> dict:
    return {"id": "STORY-001", "title": "T", "status": "red", "template": "feature", "created": "2026-11-28",
            "tests": ["tests/test_a.py"], "runs": {"red": dict(RED)}}


def test_the_front_matter_holds_a_summary_and_a_digest_not_the_tests() -> None:
    front = dump_front(meta())
    assert "test_zeta" not in front and "test_alpha" not in front
    digest = records.tests_digest(records.RunRecord.from_dict(RED).tests or [])
    assert f"    evidence: {digest}\n" in front


def test_evidence_file_one_test_per_line_in_run_order_same_bytes() -> None:
    text = records.dump_evidence(meta()["runs"])
    assert text == records.dump_evidence(meta()["runs"])
    lines = text.splitlines()
    assert lines[4] == '      ["tests/test_a.py::test_zeta", "failed", "AssertionError"],'
    assert lines[5] == '      ["tests/test_a.py::test_alpha", "passed", null]'
    assert json.loads(text) == {"format": 1, "runs": {"red": [["tests/test_a.py::test_zeta", "failed",
                                                                "AssertionError"],
                                                               ["tests/test_a.py::test_alpha", "passed", None]]}}


def test_typed_record_reads_both_forms() -> None:
    legacy = records.RunRecord.from_dict(RED)
    assert legacy.tests == [records.TestRecord("tests/test_a.py::test_zeta", "failed", "AssertionError"),
                            records.TestRecord("tests/test_a.py::test_alpha", "passed", None)]
    assert legacy.exit_code == 1 and legacy.counts == {"failed": 1, "passed": 1} and legacy.total == 2
    assert legacy.outcomes() == RED["tests"]
    summary = records.RunRecord.from_dict({k: v for k, v in RED.items() if k != "tests"})
    assert summary.tests is None


def test_save_and_load_round_trip_and_a_hand_edit_is_a_problem(tmp_path: Path) -> None:
    from storykit.project.files import write_text_atomic
    from storykit.story.model import Story

    path = tmp_path / "stories" / "STORY-001-t.md"
    path.parent.mkdir()
    story = Story(path=path, meta=meta(), body="\n# STORY-001: T\n")
    records.save(story, write_text_atomic)
    evidence = tmp_path / "stories" / ".evidence" / "STORY-001-t.json"
    assert evidence.is_file()
    loaded = load(path)
    assert loaded.runs["red"]["tests"] == RED["tests"]
    assert list(loaded.runs["red"]["tests"]) == list(RED["tests"])  # run order kept
    assert records.problems(path, loaded.meta) == []
    evidence.write_text(evidence.read_text().replace('"failed"', '"passed"'))
    from storykit.story.model import parse_raw, read_text

    raw, _, _ = parse_raw(read_text(path), path)
    assert records.problems(path, raw) == [
        "the per-test records of the red run in stories/.evidence/STORY-001-t.json do not match the digest in "
        "the front matter (edited by hand?); restore the file from git, or run the tests again"]
    evidence.unlink()
    assert records.problems(path, raw) == [
        "stories/.evidence/STORY-001-t.json is missing: the red run's per-test records are not there; "
        "restore the file from git, or run the tests again"]
