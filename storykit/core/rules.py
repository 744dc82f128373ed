"""Does a story's status agree with the runs recorded in its front matter?

Pure functions over the front matter, used by ``storykit check``: a status is only
as good as the runs behind it (red: a failing run; green: a passing run after it;
validated: a passing validation; done: a completion), so a status set by hand is
caught without re-running anything.
"""

from __future__ import annotations

import posixpath
from functools import lru_cache
from typing import Any, TypeGuard

ERROR, WARNING = "error", "warning"


def _count(run: dict[str, Any], *outcomes: str) -> int:
    counts = run.get("counts")
    return sum(int(counts.get(o) or 0) for o in outcomes) if isinstance(counts, dict) else 0


def _failing(run: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(run, dict) and run.get("exit_code") == 1 and _count(run, "failed") > 0


def _passing(run: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(run, dict) and run.get("exit_code") == 0 and _count(run, "passed") > 0 \
        and not _count(run, "failed", "error")


def _validated(run: Any) -> bool:
    commands = run.get("commands") if isinstance(run, dict) else None
    if not commands:
        return False
    return all(isinstance(c, dict) and c.get("exit_code") == 0 for c in commands)


def evidence_problems(meta: dict[str, Any], *, min_tests: int, validation: bool) -> list[tuple[str, str, str]]:
    """(code, severity, message) for each way the status disagrees with the recorded runs."""
    status = meta.get("status")
    runs = meta.get("runs") or {}
    red, green, final, valid = (runs.get(k) for k in ("red", "green", "final", "validate"))
    sid = meta.get("id")
    fix = f"run 'storykit run-tests {sid}', or restore the story from git"
    found: list[tuple[str, str, str]] = []
    if status == "closed":  # over without being done: no test evidence needed, only how and why
        closed_as, reason = meta.get("closed_as"), meta.get("closed_reason")
        if not closed_as or not reason or (closed_as == "duplicate" and not meta.get("duplicate_of")):
            found.append(("SK507", ERROR, f"status is closed but how or why is not recorded (closed_as, "
                          f"closed_reason, duplicate_of): close it with 'storykit close {sid}'"))
        return found
    if status == "not-started":
        if runs:
            found.append(("SK505", WARNING, f"status is not-started but runs are recorded ({', '.join(sorted(runs))}); "
                          f"storykit never moves a story back to not-started: restore the status from git"))
        return found
    if not _failing(red):
        found.append(("SK501", ERROR, f"status is {status} but no failing test run is recorded: storykit records red "
                      f"only from a real failing run; {fix}"))
        return found
    if status == "red":
        return found
    if not _passing(green):
        found.append(("SK502", ERROR, f"status is {status} but no passing test run is recorded; {fix}"))
        return found
    if str(green.get("at") or "") < str(red.get("at") or ""):  # times are to the second: equal is fine
        found.append(("SK502", ERROR, f"status is {status} but the passing run ({green.get('at')}) is older than the "
                      f"failing one ({red.get('at')}); {fix}"))
        return found
    if _count(green, "passed") < min_tests:
        found.append(("SK502", ERROR, f"status is {status} but the passing run has {_count(green, 'passed')} passed "
                      f"test(s), fewer than min_tests ({min_tests}); write more tests and {fix}"))
    # (Not compared with the green run's time: re-running the passing tests of a
    # validated story records a new green run and rightly keeps it validated.)
    if status == "validated" and not _validated(valid):
        found.append(("SK504", ERROR, f"status is validated but no passing validation run is recorded; "
                      f"run 'storykit validate {sid}'"))
    if status == "done":
        if not (_passing(final) and meta.get("completed") and str(final.get("at") or "") >= str(green.get("at"))):
            found.append(("SK503", ERROR, "status is done but no completion is recorded (no passing final run after "
                          f"green): a story is done only through 'storykit complete {sid}'; restore the status "
                          "from git and complete it"))
        elif validation and not _validated(valid):
            found.append(("SK504", WARNING, "done without a passing validation run although validation commands are "
                          "configured (completed before they were?)"))
    return found


# A story's runs name the same few test files over and over (every node of a file, in
# every run): each path is normalised once per process.
_normpath = lru_cache(maxsize=4096)(posixpath.normpath)


def _covered(node: str, tests: list[str]) -> bool:
    """True when a recorded node id lies under one of the story's test paths."""
    path = _normpath(node.split("::", 1)[0])
    if "/" not in path and "." not in path:
        return True  # a runner's id with no file in it (JUnit from some runners): nothing to attribute
    for test in tests:
        if "::" in test:  # a node id: itself, a test in it, or one of its parametrized cases
            if node == test or node.startswith((test + "::", test + "[")):
                return True
            continue
        base = _normpath(test)
        if path == base or base == "." or path.startswith(base + "/"):
            return True
    return False


def ownership_problems(meta: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(code, severity, message) for each run record that cannot be this story's own:
    tests outside the story's tests, or a run recorded before the story was created.
    (A record shared with another story is found across stories: ``storykit check``.)"""
    sid = meta.get("id")
    runs = meta.get("runs") or {}
    tests = [str(t) for t in meta.get("tests") or []]
    created = str(meta.get("created") or "")
    found: list[tuple[str, str, str]] = []
    for phase, run in runs.items():
        if not isinstance(run, dict):
            continue
        reason = None
        recorded = run.get("tests")
        if tests and isinstance(recorded, dict):
            foreign = [str(node) for node in recorded if not _covered(str(node), tests)]
            if foreign:
                reason = f"it ran {foreign[0]}, which is not among the story's tests ({', '.join(tests)})"
        at = str(run.get("at") or "")
        if reason is None and created and at and at[:10] < created[:10]:
            reason = f"it was recorded at {at}, before the story was created ({created})"
        if reason:
            found.append(("SK506", ERROR, f"the {phase} run record does not belong to {sid}: {reason}; runs are "
                          f"recorded only by 'storykit run-tests {sid}': restore the story from git"))
    return found
