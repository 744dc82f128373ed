"""The Test Results section rendered from recorded runs (pure: meta and outputs in, Markdown out)."""

from __future__ import annotations

from pathlib import Path

from storykit.story import evidence


def test_evidence_pending_then_red() -> None:
    meta = {"id": "STORY-001", "status": "not-started", "tests": ["tests/test_a.py"]}
    pending = evidence.render(meta, {})
    assert "- Pending: `storykit run-tests STORY-001`" in pending
    assert "**STATUS**: ⏳ No test run recorded yet" in pending
    meta["status"] = "red"
    meta["runs"] = {"red": {"at": "2026-01-02T03:04:05Z", "commit": "a" * 40, "command": "python -m pytest",
                            "exit_code": 1, "duration": 0.5, "counts": {"failed": 2}, "total": 2,
                            "tests": {"t::a": "failed AssertionError", "t::b": "failed KeyError"}}}
    red = evidence.render(meta, {"red": "2 failed\n"})
    assert "- Date/Time: 2026-01-02 03:04:05 UTC" in red
    assert "| `t::b` | failed | KeyError |" in red
    assert "```text red\n2 failed\n```" in red
    assert evidence.outputs_in(red) == {"red": "2 failed\n"}
    assert "❌ <100% (0 of 2 passed) - IMPLEMENTATION PENDING" in red


RED = {"at": "2026-01-02T03:04:05Z", "commit": "a" * 40, "command": "python -m pytest tests/test_a.py",
       "exit_code": 1, "duration": 0.5, "counts": {"failed": 2}, "total": 2,
       "tests": {"t::a": "failed AssertionError", "t::b": "failed KeyError"}}
GREEN = {"at": "2026-01-02T04:00:00Z", "commit": "b" * 40, "command": "python -m pytest tests/test_a.py",
         "exit_code": 0, "duration": 0.4, "counts": {"passed": 2}, "total": 2,
         "tests": {"t::a": "passed", "t::b": "passed"},
         "changes": {"files": ["app.py"], "added": 3, "deleted": 1, "test_files": []}}


def test_green_fills_steps_3_and_4_and_keeps_the_red_output() -> None:
    meta = {"id": "STORY-001", "status": "green", "tests": ["tests/test_a.py"], "runs": {"red": RED, "green": GREEN}}
    text = evidence.render(meta, {"red": "2 failed\n", "green": "2 passed\n"})
    assert "- Files modified: `app.py`\n- Lines changed: ~4 lines (+3 −1)\n" in text
    assert "- Tests: 2 passed, 2 total\n- Pass Rate: 100% ✅\n" in text
    assert evidence.outputs_in(text) == {"red": "2 failed\n", "green": "2 passed\n"}
    assert "**STATUS**: ✅ 100% pass rate" in text
    assert evidence.render(meta, evidence.outputs_in(text)) == text  # re-rendered from itself: the same bytes


def test_test_files_edited_between_red_and_green_are_flagged() -> None:
    green = {**GREEN, "changes": {**GREEN["changes"], "test_files": [{"path": "tests/test_a.py", "added": 1,
                                                                         "deleted": 0}]}}
    text = evidence.render({"id": "S-1", "status": "green", "runs": {"red": RED, "green": green}}, {})
    assert "- ⚠️ Tests edited after red: `tests/test_a.py` (+1 −0)" in text


def test_validation_and_overrides_are_shown() -> None:
    meta = {"id": "S-1", "status": "validated", "overrides": ["2026-01-02T03:00:00Z: started before S-0 was done"],
            "runs": {"red": RED, "green": GREEN,
                     "validate": {"at": "2026-01-02T05:00:00Z", "commit": None,
                                  "commands": [{"command": "ruff check .", "exit_code": 0, "duration": 1.25}]}}}
    text = evidence.render(meta, {"validate": "$ ruff check .\nAll checks passed!\n[exit code 0]\n"})
    assert "**Validation** ✅\n- Run: 2026-01-02 05:00:00 UTC (no git commit)\n- `ruff check .`: exit code 0 (1.25 s)" \
        in text
    assert "- ⚠️ Override: started before S-0 was done (2026-01-02 03:00:00 UTC)" in text


def test_outputs_in_reads_only_storykit_fences() -> None:
    section = "```text red\nA\n```\n\n```python\nB\n```\n\n````text green\n```\nC\n````\n\n```text blue\nD\n```\n"
    assert evidence.outputs_in(section) == {"red": "A\n", "green": "```\nC\n"}


def test_digest_covers_paths_and_bytes(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_a(): pass\n")
    first = evidence.digest(tmp_path, ["tests/test_a.py::test_a"])
    assert first.startswith("sha256:") and first == evidence.digest(tmp_path, ["tests/test_a.py"])
    assert evidence.digest(tmp_path, ["tests"]) == first  # a folder stands for its *.py files
    (tmp_path / "tests" / "test_a.py").write_text("def test_a(): assert 1\n")
    assert evidence.digest(tmp_path, ["tests/test_a.py"]) != first
    assert evidence.digest(tmp_path, ["tests/missing.py"]) != evidence.digest(tmp_path, ["tests/other.py"])


def test_test_files_of_a_marked_story_come_from_the_run() -> None:
    assert evidence.test_files({"tests": ["b.py", "a.py::t"]}) == ["a.py", "b.py"]
    assert evidence.test_files({"tests": []}, {"tests": {"x.py::t1": "passed", "x.py::t2": "passed"}}) == ["x.py"]
