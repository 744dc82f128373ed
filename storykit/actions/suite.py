"""The project's whole test suite, run by ``complete`` after the story's own tests
(issue 15): a change that breaks a test outside the story is not done.

The suite is the test command without the story's paths: for the default pytest
command, ``python -m pytest`` alone (pytest takes the project's own ``testpaths``);
for a custom ``test_command``, the ``suite_command`` setting (it may also replace
the default, e.g. to add ``-n 2``).  ``whole_suite = false`` turns it off.  Either
way the story records what happened: the counts, or why it did not run.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from storykit.core import workflow
from storykit.errors import Refused
from storykit.project.store import Project
from storykit.runners import runner
from storykit.story.model import Story

_LISTED = 5  # failing tests named in the refusal
_NO_SUITE_COMMAND = "test_command is custom and suite_command is unset"


def run_whole_suite(project: Project, story: Story, timeout: float | None,
                    echo: BinaryIO | None) -> dict[str, Any]:
    """Run the whole suite; its record for ``runs.final.suite``.  Raises Refused
    (nothing written) when a test fails or the suite does not run properly."""
    config = project.config
    if not config.whole_suite:
        return {"skipped": "whole_suite = false"}
    custom = story.meta.get("test_command") or config.test_command
    command = config.suite_command
    if command is None and custom is not None:
        return {"skipped": _NO_SUITE_COMMAND}
    shown = (command or "python -m pytest").replace("{junit}", "<junit.xml>").replace("{tests}", "").strip()
    if echo is not None:
        echo.write(f"\n=== storykit complete: the whole suite ({shown}) ===\n".encode())
        echo.flush()
    log = config.log_path / f"{story.id}-suite.log"
    result = runner.run(command, [], [], cwd=project.root, log_path=log, timeout=timeout,
                        output_lines=config.output_lines, echo=echo)
    where = f"(full log: {project.rel(log)})"
    broken = workflow.broken_run(result, timeout)
    failed = sorted(node for node, (outcome, _) in result.tests.items() if outcome in ("failed", "error"))
    others = red_stories(project, story.id) if failed else {}
    expected = {node: owner for node in failed if (owner := _red_owner(node, others))}
    failing = [node for node in failed if node not in expected]
    if failing:
        named = ", ".join(failing[:_LISTED]) + (f" and {len(failing) - _LISTED} more" if len(failing) > _LISTED else "")
        raise Refused(f"{story.id} not completed: the whole suite fails: {len(failing)} of {len(result.tests)} "
                      f"test(s) fail: {named} {where}",
                      hint="fix them and run complete again (whole_suite = false turns this check off)")
    if broken or (result.exit_code != 0 and not expected):
        why = broken or f"the suite exited {result.exit_code}"
        raise Refused(f"{story.id} not completed: the whole suite ({shown}) did not pass: {why} {where}",
                      hint="fix it and run complete again (whole_suite = false turns this check off)")
    record: dict[str, Any] = {"command": shown, "exit_code": result.exit_code, "duration": round(result.duration, 2),
                              "counts": result.counts(), "total": len(result.tests), "log": project.rel(log)}
    if expected:
        record["red_stories"] = sorted(set(expected.values()))
    return record


def red_stories(project: Project, story_id: str) -> dict[str, list[str]]:
    """The other red stories and their tests (paths, node ids, recorded failing
    tests): their failures are expected, recorded evidence of work in progress."""
    found: dict[str, list[str]] = {}
    for entry in project.entries():
        if entry.id == story_id or entry.meta.get("status") != "red":
            continue
        red = (entry.meta.get("runs") or {}).get("red") or {}
        found[entry.id] = [str(t) for t in entry.meta.get("tests") or []] + [str(t) for t in red.get("tests") or {}]
    return found


def _red_owner(node: str, stories: dict[str, list[str]]) -> str | None:
    for story_id, tests in stories.items():
        for test in tests:
            test = test.rstrip("/")
            if node == test or node.startswith((test + "::", test + "/")):
                return story_id
    return None


def skipped_note(record: dict[str, Any]) -> list[str]:
    """What ``complete`` says when a custom runner's suite was not run."""
    if record.get("skipped") == _NO_SUITE_COMMAND:
        return [f"the whole suite was not run: {_NO_SUITE_COMMAND} (set suite_command to run it)"]
    return []
