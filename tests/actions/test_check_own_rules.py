"""The rules ``check`` runs on one story's own runs (status against runs, ownership,
tests edited after red, degradations, acknowledgements, the story's own commands) give,
for any front matter, exactly the findings they gave before they were made cheaper for
the cold check (issue 12): the reference below is that code, kept verbatim."""

from __future__ import annotations

import posixpath
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from storykit.actions import check
from storykit.core import measure
from storykit.core import rules as audit
from storykit.core.rules import ERROR, WARNING
from storykit.core.settings import min_tests_of, resolve
from storykit.project import config
from storykit.project.store import Project
from storykit.story import model
from storykit.story import unreplayable

# -- the reference: the rules as they were ----------------------------------------------------


def _count(run: dict[str, Any], *outcomes: str) -> int:
    counts = run.get("counts")
    return sum(int(counts.get(o) or 0) for o in outcomes) if isinstance(counts, dict) else 0


def _failing(run: Any) -> bool:
    return isinstance(run, dict) and run.get("exit_code") == 1 and _count(run, "failed") > 0


def _passing(run: Any) -> bool:
    return isinstance(run, dict) and run.get("exit_code") == 0 and _count(run, "passed") > 0 \
        and not _count(run, "failed", "error")


def _validated(run: Any) -> bool:
    commands = run.get("commands") if isinstance(run, dict) else None
    if not commands:
        return False
    return all(isinstance(c, dict) and c.get("exit_code") == 0 for c in commands)


def old_evidence_problems(meta: dict[str, Any], *, min_tests: int, validation: bool) -> list[tuple[str, str, str]]:
    status = meta.get("status")
    runs = meta.get("runs") or {}
    red, green, final, valid = (runs.get(k) for k in ("red", "green", "final", "validate"))
    sid = meta.get("id")
    fix = f"run 'storykit run-tests {sid}', or restore the story from git"
    found: list[tuple[str, str, str]] = []
    if status == "closed":
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
    assert isinstance(green, dict) and isinstance(red, dict)
    if str(green.get("at") or "") < str(red.get("at") or ""):
        found.append(("SK502", ERROR, f"status is {status} but the passing run ({green.get('at')}) is older than the "
                      f"failing one ({red.get('at')}); {fix}"))
        return found
    if _count(green, "passed") < min_tests:
        found.append(("SK502", ERROR, f"status is {status} but the passing run has {_count(green, 'passed')} passed "
                      f"test(s), fewer than min_tests ({min_tests}); write more tests and {fix}"))
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


def covered(node: str, tests: list[str]) -> bool:
    path = posixpath.normpath(node.split("::", 1)[0])
    if "/" not in path and "." not in path:
        return True
    for test in tests:
        if "::" in test:
            if node == test or node.startswith((test + "::", test + "[")):
                return True
            continue
        base = posixpath.normpath(test)
        if path == base or base == "." or path.startswith(base + "/"):
            return True
    return False


def old_ownership_problems(meta: dict[str, Any]) -> list[tuple[str, str, str]]:
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
            foreign = [str(node) for node in recorded if not covered(str(node), tests)]
            if foreign:
                reason = f"it ran {foreign[0]}, which is not among the story's tests ({', '.join(tests)})"
        at = str(run.get("at") or "")
        if reason is None and created and at and at[:10] < created[:10]:
            reason = f"it was recorded at {at}, before the story was created ({created})"
        if reason:
            found.append(("SK506", ERROR, f"the {phase} run record does not belong to {sid}: {reason}; runs are "
                          f"recorded only by 'storykit run-tests {sid}': restore the story from git"))
    return found


class Reference:
    """What the rules found on one story file, as check reports them: the line of a
    key is the first line of the file that is the key, whitespace and a colon."""

    def __init__(self, rel: str, text: str) -> None:
        self.rel, self.lines, self.findings = rel, text.splitlines(), []  # type: ignore[var-annotated]

    def add(self, code: str, message: str, *, key: str, severity: str = ERROR) -> None:
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        line = next((i + 1 for i, text in enumerate(self.lines) if pattern.match(text)), 1)
        self.findings.append(check.Finding(self.rel, line, code, severity, message))


def old_story_rules(project: Project, name: str, meta: dict[str, Any], found: Reference) -> None:
    """check's rules on a story's own runs as they were (the body rules left out)."""
    sid = str(meta["id"])
    file_id = project.file_id(name)
    if file_id != sid:
        named = f"starts with {file_id}" if file_id else "does not start with a story id"
        found.add("SK302", f"the file name {named} but its id is {sid}; rename it to "
                  f"{sid}-<title>.md (storykit finds stories by file name)", key="id")
    own = meta.get("test_command")
    if own:
        found.add("SK108", f"{sid} brings its own test_command ({own}): 'storykit run-tests' runs it in a "
                  "shell; review it", key="test_command", severity=WARNING)
    commands = meta.get("validate")
    if commands:
        found.add("SK108", f"{sid} brings its own validate commands ({'; '.join(map(str, commands))}): "
                  "'storykit validate' and 'storykit complete' run them in a shell; review them", key="validate",
                  severity=WARNING)
    benchmarks = meta.get("benchmarks")
    if benchmarks:
        found.add("SK108", f"{sid} brings its own benchmarks ({'; '.join(map(str, benchmarks))}): "
                  "'storykit run-tests' runs them in a shell; review them", key="benchmarks", severity=WARNING)
    problem = unreplayable.problem(meta)
    if problem:
        found.add("SK521", f"{problem}; see docs/verify.md", key=unreplayable.KEY)
    else:
        ack = unreplayable.read(meta)
        if ack is not None:
            found.add("SK520", f"{sid}'s commit {ack.describe()}; 'storykit verify {sid}' reports it "
                      "as not replayable", key=unreplayable.KEY, severity=WARNING)
    validation = bool(meta.get("validate") or project.config.validate)
    min_tests = resolve(meta, project.config).min_tests
    problems = old_evidence_problems(meta, min_tests=min_tests, validation=validation)
    problems += old_ownership_problems(meta)
    for code, severity, message in problems:
        found.add(code, message, key="status", severity=severity)
    if any(severity == ERROR for _, severity, _ in problems):
        return
    runs = meta.get("runs")
    green = runs.get("green") if isinstance(runs, dict) else None
    changes = green.get("changes") if isinstance(green, dict) else None
    edited = changes.get("test_files") if isinstance(changes, dict) else None
    if edited and isinstance(edited, list):
        listed = ", ".join(f"{t.get('path')} (+{t.get('added')} −{t.get('deleted')})" for t in edited
                           if isinstance(t, dict))
        found.add("SK603", f"tests edited after red: {listed}; review their diff in Step 3 of Test Results "
                  "(a test weakened to pass is no evidence)", key="runs", severity=WARNING)
    for worse in measure.degradations(runs):
        found.add("SK604", f"{worse.name} got {round(-(worse.change or 0))}% worse between the red and the green "
                  f"run (beyond the {worse.margin:g}% margin): {measure.values(worse)}", key="runs",
                  severity=WARNING)


OWN_CODES = {"SK302", "SK108", "SK520", "SK521", "SK501", "SK502", "SK503", "SK504", "SK505", "SK506", "SK507",
             "SK603", "SK604"}


# -- front matters of every shape -------------------------------------------------------------

SHA = "9c14ebf1f354a5915157f6e0cc2894b6c2da7efd"
TIME = st.sampled_from(["2026-11-29T10:00:00Z", "2026-11-29T11:00:00Z", "2026-11-28T09:00:00Z", "", None, 5])
COUNT = st.none() | st.integers(0, 3)
COUNTS = st.fixed_dictionaries({}, optional={"passed": COUNT, "failed": COUNT, "error": COUNT, "skipped": COUNT})
TESTS = st.lists(st.sampled_from(["tests/test_a.py", "tests/b.py", "tests/test_a.py::test_x", "tests", ".", 7]),
                 max_size=3)
INLINE = st.dictionaries(st.sampled_from(["tests/test_a.py::t", "tests/b.py::u[1]", "other/c.py::v", "junit_id",
                                          "tests/test_a.py::test_x[2]"]), st.sampled_from(["passed", "failed E"]))
EDITED = st.lists(st.one_of(st.fixed_dictionaries({"path": st.sampled_from(["tests/test_a.py", None]),
                                                   "added": COUNT, "deleted": COUNT}), st.just("x")), max_size=2)
RESULT = st.fixed_dictionaries({"name": st.sampled_from(["lookup", "load"]),
                                "unit": st.sampled_from(["ms", "s", "ops/s"]),
                                "value": st.sampled_from([0, 1.5, 3.0, 120.0, True]),
                                "samples": st.lists(st.sampled_from([1.0, 2.0]), max_size=2)})
BENCHMARKS = st.fixed_dictionaries({"results": st.lists(RESULT, max_size=2)},
                                   optional={"margin": st.sampled_from([0, 5, 10.5])})
RUN = st.fixed_dictionaries({}, optional={
    "at": TIME, "exit_code": st.sampled_from([0, 1, 2, None, "0"]), "counts": COUNTS | st.just("x"),
    "commit": st.just(SHA), "evidence": st.just("sha256:0"), "tests": INLINE,
    "changes": st.fixed_dictionaries({}, optional={"test_files": EDITED | st.just("x")}) | st.just([]),
    "benchmarks": BENCHMARKS | st.none(),
    "commands": st.lists(st.fixed_dictionaries({"exit_code": st.sampled_from([0, 1])}) | st.just("x"), max_size=2)})
FAILING = st.fixed_dictionaries({"exit_code": st.just(1),
                                 "counts": st.fixed_dictionaries({"failed": st.integers(1, 3)})},
                                optional={"at": TIME, "benchmarks": BENCHMARKS, "evidence": st.just("sha256:0")})
PASSING = st.fixed_dictionaries({"exit_code": st.just(0), "counts": st.fixed_dictionaries(
    {"passed": st.integers(0, 3)}, optional={"failed": st.just(0), "skipped": COUNT})}, optional={
    "at": TIME, "benchmarks": BENCHMARKS, "tests": INLINE,
    "changes": st.fixed_dictionaries({"test_files": EDITED}) | st.just({})})
VALIDATION = st.fixed_dictionaries({"commands": st.lists(
    st.fixed_dictionaries({"exit_code": st.sampled_from([0, 0, 1])}), max_size=2)}, optional={"at": TIME})
RUNS = st.fixed_dictionaries({}, optional={"red": FAILING | RUN | st.none(), "green": PASSING | RUN,
                                           "final": PASSING | RUN, "validate": VALIDATION | RUN, "other": RUN,
                                           1: RUN})
ACK = st.one_of(st.none(), st.just("bad"), st.fixed_dictionaries(
    {"commit": st.sampled_from([SHA, "abc"]), "reason": st.sampled_from(["left unstaged", "two\nlines", ""]),
     "by": st.just("Jane")}, optional={"fixed_in": st.just(SHA), "replay_at": st.sampled_from([SHA, "x"]),
                                        "other": st.just(1)}))
OPTIONAL = {
    "created": st.sampled_from(["2026-11-29", "2026-11-30", ""]), "tests": TESTS,
    "min_tests": st.integers(0, 3), "completed": st.sampled_from(["2026-11-29T12:00:00Z", ""]),
    "validate": st.lists(st.sampled_from(["make lint", "ruff"]), max_size=2),
    "test_command": st.sampled_from(["", "make t"]),
    "benchmarks": st.lists(st.just("python bench.py"), max_size=1), "not_replayable": ACK,
    "closed_as": st.sampled_from(["wont-do", "duplicate", ""]), "closed_reason": st.sampled_from(["", "later"]),
    "duplicate_of": st.sampled_from(["STORY-002", ""]), "timeout": st.sampled_from([0, 5]),
}
META = st.one_of(
    st.fixed_dictionaries({"id": st.sampled_from(["STORY-001", "STORY-002"]),
                           "status": st.sampled_from(["not-started", "red", "green", "validated", "done", "closed"])},
                          optional={**OPTIONAL, "runs": RUNS | st.just({})}),
    st.fixed_dictionaries({"id": st.just("STORY-001"), "status": st.sampled_from(["green", "validated", "done"]),
                           "runs": st.fixed_dictionaries({"red": FAILING, "green": PASSING}, optional={
                               "final": PASSING, "validate": VALIDATION})}, optional=OPTIONAL),
    st.fixed_dictionaries({  # a done story as storykit leaves it: the later rules are reached
        "id": st.just("STORY-001"), "status": st.just("done"), "created": st.just("2026-11-29"),
        "completed": st.just("2026-11-29T12:00:00Z"), "tests": st.just(["tests/test_a.py"]),
        "runs": st.fixed_dictionaries({
            "red": st.fixed_dictionaries({"at": st.just("2026-11-29T10:00:00Z"), "exit_code": st.just(1),
                                          "counts": st.just({"failed": 3})}, optional={"benchmarks": BENCHMARKS}),
            "green": st.fixed_dictionaries({"at": st.just("2026-11-29T11:00:00Z"), "exit_code": st.just(0),
                                            "counts": st.just({"passed": 3})},
                                           optional={"benchmarks": BENCHMARKS, "changes": st.fixed_dictionaries(
                                               {"test_files": EDITED}) | st.just({})}),
            "final": st.just({"at": "2026-11-29T11:00:00Z", "exit_code": 0, "counts": {"passed": 3}})})},
        optional={"validate": OPTIONAL["validate"], "not_replayable": ACK}))
BODY = ("\n# STORY-001: x\n\n**Status:** x\n\n## Context\n\nx\n\n## Tasks (TDD Order)\n\nx\n\n"
        "## Acceptance Criteria\n\nx\n\n## Test Results (MANDATORY)\n\nx\n")
SETTINGS = [{}, {"validate": ["make lint"]}, {"id_width": 4, "min_tests": 2}]
NAMES = ["STORY-001-x.md", "STORY-001.md", "STORY-0001-x.md", "story-001-x.md", "STORY-01-x.md", "STORY-1-y.md",
         "STORY-002-x.md", "notes.md", "STORY-001x.md"]


def findings_of(meta: dict[str, Any], name: str, table: dict[str, Any]) -> tuple[list[check.Finding], list[Any]]:
    """What check finds on one story file in a project with the config ``table``, and
    what the rules as they were find (the codes of the story's own run rules only)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "storykit.toml").write_text("".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in table.items()),
                                            encoding="utf-8")
        (root / "stories").mkdir()
        text = "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + BODY
        (root / "stories" / name).write_text(text, encoding="utf-8")
        project = Project(config.load(root))
        found = [f for f in check.check(project, "off").findings if f.code in OWN_CODES]
        expected = Reference(f"stories/{name}", text)
        old_story_rules(project, name, meta, expected)
        return found, expected.findings


@settings(max_examples=250, derandomize=True, deadline=None)
@given(META, st.sampled_from(NAMES), st.sampled_from(SETTINGS))
@example({"id": "STORY-001", "status": "not-started"}, "STORY-001-x.md", {})
@example({"id": "STORY-001", "status": "done", "tests": ["tests/test_a.py", "tests/example.py"],
          "created": "2026-11-29", "completed": "2026-11-29T12:00:00Z",
          "runs": {"red": {"at": "2026-11-29T10:00:00Z", "exit_code": 1, "counts": {"failed": 2},
                           "benchmarks": {"results": []}},
                   "green": {"at": "2026-11-29T11:00:00Z", "exit_code": 0, "counts": {"passed": 2},
                             "changes": {"test_files": [{"path": "tests/test_a.py", "added": 1, "deleted": 1}]},
                             "benchmarks": {"results": [{"name": "lookup", "unit": "ms", "value": 3.0}]}},
                   "final": {"at": "2026-11-29T11:00:00Z", "exit_code": 0, "counts": {"passed": 2}}}},
          "STORY-001-x.md", {"validate": ["make lint"]})
@example({"id": "STORY-001", "status": "not-started", "runs": {"red": {"at": "2026-11-29T10:00:00Z"}}},
         "STORY-001-x.md", {})
def test_a_story_s_own_rules_find_what_they_found(meta: dict[str, Any], name: str, table: dict[str, Any]) -> None:
    if isinstance(meta.get("runs"), dict) and isinstance(meta["runs"].get("red"), dict) \
            and meta["runs"]["red"].get("benchmarks"):
        meta["runs"]["red"]["benchmarks"]["results"].append({"name": "lookup", "unit": "ms", "value": 1.0})
    meta = {"title": "x", "template": "feature", "created": "2026-11-29", **meta}
    if any(problem.error for problem in model.meta_problems(meta)):
        return  # check runs no rule on a story whose front matter it cannot use
    try:
        found, expected = findings_of(meta, name, table)
    except (ValueError, TypeError):  # a value the rules cannot read (counts: "x"): as before, not a finding
        return
    assert sorted(found) == sorted(expected)
    if "tests/example.py" in meta.get("tests", []):  # the example that reaches them all
        assert {f.code for f in found} == {"SK504", "SK603", "SK604"}


@settings(max_examples=300, derandomize=True, deadline=None)
@given(META, st.integers(0, 3), st.booleans())
def test_the_status_and_ownership_rules_say_what_they_said(meta: dict[str, Any], min_tests: int,
                                                           validation: bool) -> None:
    try:
        expected: Any = old_evidence_problems(meta, min_tests=min_tests, validation=validation)
    except (ValueError, TypeError) as exc:
        with pytest.raises(type(exc)):
            audit.evidence_problems(meta, min_tests=min_tests, validation=validation)
    else:
        assert audit.evidence_problems(meta, min_tests=min_tests, validation=validation) == expected
    assert audit.ownership_problems(meta) == old_ownership_problems(meta)


@given(st.none() | st.integers(0, 10) | st.floats(0, 10), st.sampled_from(SETTINGS))
def test_min_tests_is_the_resolved_one(value: Any, table: dict[str, Any]) -> None:
    defaults = config.from_mapping(Path("/nonexistent-project"), table)
    meta = {} if value is None else {"min_tests": value}
    assert min_tests_of(meta, defaults) == resolve(meta, defaults).min_tests


def test_a_not_started_story_with_no_runs_has_nothing_to_find() -> None:
    found, expected = findings_of({"id": "STORY-001", "title": "x", "template": "feature", "created": "2026-11-29",
                                   "status": "not-started", "tests": ["tests/test_a.py"]}, "STORY-001-x.md", {})
    assert found == expected == []
    assert audit.evidence_problems({"status": "not-started", "runs": {"red": {}}}, min_tests=1, validation=False) == [
        ("SK505", WARNING, "status is not-started but runs are recorded (red); storykit never moves a story back to "
                           "not-started: restore the status from git")]


@pytest.mark.parametrize(("name", "story_id", "table"), [
    ("STORY-001-x.md", "STORY-001", {}), ("STORY-001.md", "STORY-001", {}), ("STORY-0001-x.md", "STORY-0001", {}),
    ("STORY-01-x.md", "STORY-01", {}), ("story-001-x.md", "STORY-001", {}), ("STORY-001x.md", "STORY-001", {}),
    ("STORY-0001-x.md", "STORY-0001", {"id_width": 4}), ("STORY-1000-x.md", "STORY-1000", {}),
    ("STORY-001-x.md", "STORY-001", {"id_width": 4}), ("notes.md", "STORY-001", {})])
def test_a_file_is_named_by_its_id_or_told_it_is_not(name: str, story_id: str, table: dict[str, Any]) -> None:
    found, expected = findings_of({"id": story_id, "title": "x", "template": "feature", "created": "2026-11-29",
                                   "status": "not-started"}, name, table)
    assert found == expected
