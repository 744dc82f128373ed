"""The state machine, as pure functions over run results."""

from __future__ import annotations

import pytest

from storykit.runners.runner import RunResult
from storykit.core.workflow import judge_run, percent


def run(exit_code: int | None, **tests: str) -> RunResult:
    result = RunResult(command=["pytest"], exit_code=exit_code, duration=0.1)
    result.tests = {f"t.py::{name}": (outcome, "AssertionError" if outcome == "failed" else None)
                    for name, outcome in tests.items()}
    return result


def judge(status: str, result: RunResult, min_tests: int = 1, red_tests=None, allow_skips: bool = False):
    return judge_run("STORY-001", status, result, min_tests=min_tests, allow_skips=allow_skips,
                     timeout=5, red_tests=red_tests)


def test_failing_run_moves_not_started_to_red() -> None:
    verdict = judge("not-started", run(1, a="failed", b="passed"))
    assert (verdict.status, verdict.phase) == ("red", "red")
    assert verdict.reason == "STORY-001 is red: 1 of 2 tests fail, as TDD expects before implementing"


def test_passing_run_before_red_is_refused() -> None:
    verdict = judge("not-started", run(0, a="passed"))
    assert verdict.refused
    assert verdict.reason.startswith("tests pass before any implementation: write a failing test first")


def test_passing_run_after_red_is_green() -> None:
    verdict = judge("red", run(0, a="passed", b="passed"), min_tests=2, red_tests={"t.py::a": "failed AssertionError"})
    assert (verdict.status, verdict.phase) == ("green", "green")


def test_green_needs_min_tests() -> None:
    verdict = judge("red", run(0, a="passed"), min_tests=8)
    assert verdict.reason == "only 1 test(s) passed; STORY-001 needs at least 8 (min_tests): write more tests"


@pytest.mark.parametrize("outcome", ["skipped", "xfailed", "xpassed"])
def test_skips_block_green_unless_allowed(outcome: str) -> None:
    result = run(0, a="passed", b=outcome)
    assert judge("red", result).refused
    assert "skipped or xfailed (t.py::b)" in judge("red", result).reason
    assert judge("red", result, allow_skips=True).status == "green"


def test_tests_missing_since_red_block_green() -> None:
    verdict = judge("red", run(0, a="passed"), red_tests={"t.py::a": "failed X", "t.py::gone": "failed X"})
    assert verdict.refused
    assert "1 test(s) that failed at red did not run now (t.py::gone)" in verdict.reason


def test_failing_run_after_green_moves_back_to_red() -> None:
    verdict = judge("green", run(1, a="failed"))
    assert verdict.status == "red"
    assert verdict.reason == "STORY-001 moved back to red: 1 of 1 tests fail"


def test_done_story_is_never_rerun() -> None:
    assert "is done; its evidence is final" in judge("done", run(1, a="failed")).reason


@pytest.mark.parametrize(("code", "words"), [
    (2, "exit 2"), (3, "internal error (exit 3)"), (4, "usage error"), (5, "no tests were collected (exit 5)"),
    (-9, "killed by signal 9"), (7, "exited 7"),
])
def test_broken_runs_are_refused_with_their_own_message(code: int, words: str) -> None:
    result = run(code, a="failed")
    verdict = judge("not-started", result)
    assert verdict.refused and words in verdict.reason


def test_timeout_is_never_a_pass() -> None:
    result = run(None, a="passed")
    result.timed_out = True
    verdict = judge("red", result)
    assert verdict.refused
    assert verdict.reason.startswith("the tests timed out after 5 s and were killed; a timed-out run is never a pass")


@pytest.mark.parametrize("report", ["missing", "corrupt", "truncated"])
def test_a_run_without_trustworthy_results_is_never_a_pass(report: str) -> None:
    result = run(0, a="passed")
    result.report = report
    assert judge("red", result).refused


def test_errors_without_failures_are_not_red() -> None:
    verdict = judge("not-started", run(1, a="error"))
    assert verdict.refused and "an error is not red" in verdict.reason


def test_exit_zero_with_failures_is_not_trusted() -> None:
    assert judge("red", run(0, a="failed")).refused


def test_percent() -> None:
    assert percent(8, 8) == "100%"
    assert percent(0, 8) == "0%"
    assert percent(1, 3) == "33.3%"
    assert percent(0, 0) == "0%"
