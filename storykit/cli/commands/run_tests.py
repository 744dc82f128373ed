"""storykit run-tests."""

from __future__ import annotations

import contextlib
import sys

import click

from storykit.cli.app import SECONDS, project_from, warner
from storykit.cli.jsonflag import json_option


@click.command(context_settings={"ignore_unknown_options": True})
@json_option("run-tests")
@click.argument("story")
@click.option("--timeout", type=SECONDS, metavar="SECONDS",
              help="Kill the test run (and everything it started) after this long; never a pass.")
@click.option("--force", is_flag=True, help="Run even though a dependency is not done (recorded in the story).")
@click.option("--commit", "commit_phase", is_flag=True,
              help="Also commit the story's test files, the story and the tracker (and what you staged), "
                   "so 'storykit verify' can replay this run.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run_tests(ctx: click.Context, story: str, timeout: float | None, force: bool, commit_phase: bool,
              pytest_args: tuple[str, ...]) -> None:
    """Run STORY's tests and record the evidence.

    \b
    Failing tests move a story to red (Steps 1-2 of Test Results filled).
    Passing tests after red move it to green (Steps 3-4 filled), given at
    least min_tests passed and none skipped.  Anything else is refused and
    changes nothing.  Arguments after -- go to pytest.

    With --commit, a red run commits the failing tests ("test: failing tests
    for ID"; a green run: "feat: tests pass for ID") with the trailers
    "Story: ID" and "Phase: red|green"; the run records that it was committed,
    and nothing is left to commit afterwards.
    Only the story's test files, the story, the tracker and what you staged
    are committed; if the commit cannot be made, nothing is recorded.
    """
    from storykit import git
    from storykit.cli import jsonout

    project = project_from(ctx)
    # git works while Python imports what the run needs (started before click, when it can be)
    snapshot = git.early(project.root) or git.Snapshot(project.root)
    try:
        from storykit.actions.run_tests import run_tests as run

        outcome = run(project, story, timeout=timeout, extra=list(pytest_args), echo=sys.stdout.buffer,
                      force=force, commit_phase=commit_phase, warn=warner(project), snapshot=snapshot)
    finally:
        with contextlib.suppress(BaseException):
            snapshot.result()  # a refusal before the run: git finishes (and cleans up) first
    sys.stdout.flush()
    click.echo(f"storykit: {outcome.verdict.reason}; recorded in {project.rel(outcome.path)}")
    if outcome.commit:
        click.echo(f"Committed {outcome.commit[:10]}:")
        click.echo(outcome.commit_summary.rstrip())
    if outcome.left_out:
        more = len(outcome.left_out) - 5
        shown = ", ".join(outcome.left_out[:5]) + (f" (and {more} more)" if more > 0 else "")
        click.echo(f"Not in that commit (uncommitted changes): {shown}", err=True)
    if jsonout.active():  # then stdout is stderr: the live output and the lines above went there
        _emit(project, outcome)


def _emit(project, outcome) -> None:  # type: ignore[no-untyped-def]
    from storykit.cli import jsonout
    from storykit.story.model import load_meta

    verdict = outcome.verdict
    meta = load_meta(outcome.path)
    jsonout.emit("run-tests", {
        "id": outcome.story_id,
        "path": project.rel(outcome.path),
        "status": meta.get("status"),
        "phase": verdict.phase,
        "reason": verdict.reason,
        "notes": list(verdict.notes),
        "log": outcome.log,
        "commit": outcome.commit,
        "left_out": list(outcome.left_out),
        "run": jsonout.run_fields(outcome.result) if outcome.result else None,
    })
