"""RunResult: one test run as data, counted by outcome."""

from __future__ import annotations

from storykit.runners.result import RunResult


def test_a_new_result_is_complete_pytest_and_empty() -> None:
    result = RunResult(command=["pytest"], exit_code=0, duration=0.1)
    assert (result.report, result.runner, result.passed, result.failed, result.counts()) == (
        "complete", "pytest", 0, 0, {})
    assert RunResult(["x"], 0, 0.0).tests is not result.tests  # no shared default


def test_outcomes_are_counted_and_listed_in_name_order() -> None:
    result = RunResult(["pytest"], 1, 1.0, tests={
        "t::a": ("passed", None), "t::b": ("failed", "AssertionError"), "t::c": ("passed", None),
        "t::d": ("skipped", None), "t::e": ("xfailed", None)})
    assert (result.passed, result.failed) == (2, 1)
    assert result.count("skipped", "xfailed") == 2
    assert result.count("error") == 0
    assert list(result.counts().items()) == [("failed", 1), ("passed", 2), ("skipped", 1), ("xfailed", 1)]
