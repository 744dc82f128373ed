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
    if not isinstance(run, dict) or run.get("exit_code") != 1:
        return False
    counts = run.get("counts")  # (_count, unrolled: check asks it of every story)
    return isinstance(counts, dict) and int(counts.get("failed") or 0) > 0


def _passing(run: Any) -> TypeGuard[dict[str, Any]]:
    if not isinstance(run, dict) or run.get("exit_code") != 0:
        return False
    counts = run.get("counts")
    return isinstance(counts, dict) and int(counts.get("passed") or 0) > 0 \
        and not int(counts.get("failed") or 0) + int(counts.get("error") or 0)


def _validated(run: Any) -> bool:
    commands = run.get("commands") if isinstance(run, dict) else None
    if not commands:
        return False
    return all(isinstance(c, dict) and c.get("exit_code") == 0 for c in commands)


def evidence_problems(meta: dict[str, Any], *, min_tests: int, validation: bool) -> list[tuple[str, str, str]]:
    """(code, severity, message) for each way the status disagrees with the recorded runs."""
    status = meta.get("status")
    runs = meta.get("runs") or {}
    if status == "not-started":
        if runs:
            return [("SK505", WARNING, f"status is not-started but runs are recorded ({', '.join(sorted(runs))}); "
                     f"storykit never moves a story back to not-started: restore the status from git")]
        return []
    sid = meta.get("id")
    if status == "closed":  # over without being done: no test evidence needed, only how and why
        closed_as, reason = meta.get("closed_as"), meta.get("closed_reason")
        if not closed_as or not reason or (closed_as == "duplicate" and not meta.get("duplicate_of")):
            return [("SK507", ERROR, f"status is closed but how or why is not recorded (closed_as, "
                     f"closed_reason, duplicate_of): close it with 'storykit close {sid}'")]
        return []
    red = runs.get("red")
    if not _failing(red):
        return [("SK501", ERROR, f"status is {status} but no failing test run is recorded: storykit records red "
                 f"only from a real failing run; {_fix(sid)}")]
    if status == "red":
        return []
    green = runs.get("green")
    if not _passing(green):
        return [("SK502", ERROR, f"status is {status} but no passing test run is recorded; {_fix(sid)}")]
    if str(green.get("at") or "") < str(red.get("at") or ""):  # times are to the second: equal is fine
        return [("SK502", ERROR, f"status is {status} but the passing run ({green.get('at')}) is older than the "
                 f"failing one ({red.get('at')}); {_fix(sid)}")]
    found: list[tuple[str, str, str]] = []
    passed = _count(green, "passed")
    if passed < min_tests:
        found.append(("SK502", ERROR, f"status is {status} but the passing run has {passed} passed "
                      f"test(s), fewer than min_tests ({min_tests}); write more tests and {_fix(sid)}"))
    # (Not compared with the green run's time: re-running the passing tests of a
    # validated story records a new green run and rightly keeps it validated.)
    if status == "validated" and not _validated(runs.get("validate")):
        found.append(("SK504", ERROR, f"status is validated but no passing validation run is recorded; "
                      f"run 'storykit validate {sid}'"))
    if status == "done":
        final = runs.get("final")
        if not (_passing(final) and meta.get("completed") and str(final.get("at") or "") >= str(green.get("at"))):
            found.append(("SK503", ERROR, "status is done but no completion is recorded (no passing final run after "
                          f"green): a story is done only through 'storykit complete {sid}'; restore the status "
                          "from git and complete it"))
        elif validation and not _validated(runs.get("validate")):
            found.append(("SK504", WARNING, "done without a passing validation run although validation commands are "
                          "configured (completed before they were?)"))
    return found


def _fix(sid: Any) -> str:
    return f"run 'storykit run-tests {sid}', or restore the story from git"


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


def own_files(tests: Any) -> set[str]:
    """The story's test paths (its ``tests``) that are files or folders, already normal:
    a recorded node whose part before the first ``::`` is one of them is the story's
    (``_covered``)."""
    return {t for t in tests if isinstance(t, str) and "::" not in t and _normpath(t) == t} \
        if isinstance(tests, list) else set()


def own_file(path: str, tests: Any) -> bool:
    """``path in own_files(tests)``, without building the set."""
    return isinstance(tests, list) and path in tests and "::" not in path and _normpath(path) == path


def ownership_problems(meta: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(code, severity, message) for each run record that cannot be this story's own:
    tests outside the story's tests, or a run recorded before the story was created.
    (A record shared with another story is found across stories: ``storykit check``.)"""
    runs = meta.get("runs") or {}
    if not runs:
        return []
    sid = meta.get("id")
    tests = [str(t) for t in meta.get("tests") or []]
    created = str(meta.get("created") or "")
    day = created[:10]
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
        if reason is None and created:
            at = str(run.get("at") or "")
            if at and at[:10] < day:
                reason = f"it was recorded at {at}, before the story was created ({created})"
        if reason:
            found.append(("SK506", ERROR, f"the {phase} run record does not belong to {sid}: {reason}; runs are "
                          f"recorded only by 'storykit run-tests {sid}': restore the story from git"))
    return found
