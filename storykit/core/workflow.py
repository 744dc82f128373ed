"""The state machine: which run moves a story where, and why a run is refused.

Pure functions over plain values: no files, no git, no printing.  A failing test
run is data here, not an exception.

    not-started --fail--> red --pass--> green --validate--> validated --complete--> done
                          red <--fail-- green / validated
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

STATUSES = ("not-started", "red", "green", "validated", "done", "closed")
# A closed story is over without being done ('storykit close'): how, in closed_as.
CLOSED_AS = {"wont-do": "won't do", "duplicate": "duplicate", "obsolete": "obsolete"}

LABELS = {
    "not-started": "🔴 Not Started",
    "red": "❌ Red (tests failing)",
    "green": "🟢 Green (tests passing)",
    "validated": "🔵 Validated",
    "done": "✅ Done",
    "closed": "⚫ Closed",
}

_EXIT_MEANING = {
    2: "pytest was interrupted or could not collect the tests (exit 2): the tests must run and fail, "
       "an import or collection error is not red; fix the error shown above",
    3: "pytest hit an internal error (exit 3); see the output above",
    4: "pytest was called wrongly (exit 4: usage error); check the test paths and extra arguments",
    5: "no tests were collected (exit 5): check the story's 'tests' paths",
}


class RunResult(Protocol):
    """What the workflow reads of a test run (storykit.runners.result.RunResult)."""

    @property
    def exit_code(self) -> int | None: ...

    @property
    def timed_out(self) -> bool: ...

    @property
    def runner(self) -> str: ...

    @property
    def report(self) -> str: ...

    @property
    def collect_errors(self) -> list[str]: ...

    @property
    def tests(self) -> Mapping[str, tuple[str, str | None]]: ...

    @property
    def passed(self) -> int: ...

    @property
    def failed(self) -> int: ...

    def count(self, *outcomes: str) -> int: ...


@dataclass
class Verdict:
    """What a run means for a story: a new status, or a refusal and its reason."""

    status: str | None  # the new status; None when refused
    phase: str | None = None  # the run record this run becomes: "red" or "green"
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.status is None


def refuse(reason: str) -> Verdict:
    return Verdict(None, None, reason)


def may_start(story: str, status: str, waiting: Sequence[str], *, force: bool) -> tuple[str, str] | list[str]:
    """Whether a ``run-tests`` run of a story in ``status`` may start, given the
    dependencies it still waits for: a (reason, hint) refusal, or the notes to
    record (a ``--force`` override)."""
    if status == "done":
        return f"{story} is done; its evidence is final", f"see 'storykit show {story}'"
    if waiting and not force:
        return (f"{story} depends on {', '.join(waiting)}, not done yet",
                "finish those first, or pass --force (the override is recorded)")
    return [f"started before {', '.join(waiting)} was done (--force)"] if waiting else []


def broken_run(result: RunResult, timeout: float | None) -> str | None:
    """Why a run proves nothing either way (timeout, crash, collection error...), or None."""
    if result.timed_out:
        return f"the tests timed out after {timeout:g} s and were killed; a timed-out run is never a pass " \
               f"(raise --timeout, or fix the hang)"
    code = result.exit_code
    if code is not None and code < 0:
        return f"the test process was killed by signal {-code}; nothing was recorded"
    junit = result.runner == "junit"
    if code in _EXIT_MEANING and not junit:  # pytest's exit codes; other runners have their own
        return _EXIT_MEANING[code]
    if result.report == "missing" and junit:
        return f"the test command exited {code} without writing JUnit XML to {{junit}} (it failed to start, or " \
               f"test_command does not pass {{junit}} to the runner's JUnit reporter); nothing was recorded"
    if result.report == "missing":
        return f"the test run exited {code} without writing any results (it crashed, or the runner is not pytest); " \
               f"nothing was recorded"
    if result.report == "corrupt" and junit:
        return f"the test command exited {code} and its JUnit XML is unreadable (not well-formed, or not JUnit); " \
               f"nothing was recorded"
    if result.report in ("corrupt", "truncated"):
        return f"the test run exited {code} and its results file is {result.report} (the runner died mid-run); " \
               f"nothing was recorded"
    if code not in (0, 1):
        return f"the test command exited {code}, which is neither a pass (0) nor failing tests (1)"
    if result.collect_errors:
        return (f"{len(result.collect_errors)} test file(s) could not be collected "
                f"({', '.join(result.collect_errors[:3])}): fix them first")
    if code == 0 and result.count("failed", "error"):
        return "the test command exited 0 but reported failing tests; it is not trusted as a pass"
    if code == 1 and not result.tests:
        return "the test command exited 1 but reported no test results"
    return None


def judge_run(
    story: str,
    status: str,
    result: RunResult,
    *,
    min_tests: int,
    allow_skips: bool,
    timeout: float | None,
    red_tests: dict[str, Any] | None,
    by_marker: bool = False,
) -> Verdict:
    """The verdict on a ``run-tests`` run of a story in ``status``; ``by_marker``:
    the story lists no tests, its tests are those marked ``@pytest.mark.story``."""
    if status == "done":
        return refuse(f"{story} is done; its evidence is final (use 'storykit show {story}')")
    if by_marker and result.exit_code == 5 and result.runner == "pytest" and not result.timed_out:
        return refuse(f"no test is marked @pytest.mark.story(\"{story}\") (pytest exit 5: nothing selected): "
                      f"mark the story's tests, or list them under 'tests:' in its front matter")
    broken = broken_run(result, timeout)
    if broken:
        return refuse(broken)
    if result.exit_code == 1:
        if not result.failed:
            errors = result.count("error")
            return refuse(f"{errors} test(s) errored in setup or teardown but none failed: an error is not red; "
                          f"fix the fixtures so the tests run and fail")
        verdict = Verdict("red", "red")
        total = len(result.tests)
        if status in ("green", "validated"):
            verdict.reason = f"{story} moved back to red: {result.failed} of {total} tests fail"
        elif status == "red":
            verdict.reason = f"{story} is still red: {result.failed} of {total} tests fail"
        else:
            verdict.reason = (f"{story} is red: {result.failed} of {total} tests fail, "
                              f"as TDD expects before implementing")
        return verdict
    # exit code 0: the tests pass.
    if status == "not-started":
        return refuse(f"tests pass before any implementation: write a failing test first "
                      f"({result.passed} passed, none failed; {story} stays not-started)")
    problem = green_problem(story, result, min_tests=min_tests, allow_skips=allow_skips, red_tests=red_tests)
    if problem:
        return refuse(problem)
    if status in ("green", "validated"):
        return Verdict(status, "green", f"{story} is still {status}: {result.passed} passed")
    return Verdict("green", "green", f"{story} is green: {result.passed} of {len(result.tests)} tests pass")


def green_problem(
    story: str,
    result: RunResult,
    *,
    min_tests: int,
    allow_skips: bool,
    red_tests: dict[str, Any] | None,
) -> str | None:
    """Why a passing run is still not green evidence, or None."""
    if result.passed < min_tests:
        return (f"only {result.passed} test(s) passed; {story} needs at least {min_tests} (min_tests): "
                f"write more tests")
    games = result.count("skipped", "xfailed", "xpassed")
    if games and not allow_skips:
        names = [n for n, (o, _) in sorted(result.tests.items()) if o in ("skipped", "xfailed", "xpassed")]
        return (f"{games} story test(s) were skipped or xfailed "
                f"({', '.join(names[:3])}{', ...' if games > 3 else ''}): "
                f"green means no skipped tests (set allow_skips = true in the config to permit them)")
    if red_tests:
        missing = sorted(n for n, outcome in red_tests.items()
                         if str(outcome).startswith("failed") and n not in result.tests)
        if missing:
            return (f"{len(missing)} test(s) that failed at red did not run now ({', '.join(missing[:3])}"
                    f"{', ...' if len(missing) > 3 else ''}): restore them, or run red again if they were renamed")
    return None


def pass_problem(story: str, result: RunResult, *, timeout: float | None, min_tests: int, allow_skips: bool,
                 red_tests: dict[str, Any] | None) -> str | None:
    """Why a run that must pass (complete's re-run, verify's replay) does not count as
    one, or None."""
    problem = broken_run(result, timeout)
    if problem is None and result.exit_code != 0:
        problem = f"{result.failed} of {len(result.tests)} tests fail"
    if problem is None:
        problem = green_problem(story, result, min_tests=min_tests, allow_skips=allow_skips, red_tests=red_tests)
    return problem


def percent(passed: int, total: int) -> str:
    if total == 0:
        return "0%"
    value = 100 * passed / total
    return f"{value:.0f}%" if value in (0, 100) or value == int(value) else f"{value:.1f}%"
