"""storykit run-tests."""

from __future__ import annotations

import sys

import click

from storykit.cli import project_from


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("story")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Kill the test run (and everything it started) after this long; never a pass.")
@click.option("--force", is_flag=True, help="Run even though a dependency is not done (recorded in the story).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document (docs/json.md) on stdout; the test output goes to stderr.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run_tests(ctx: click.Context, story: str, timeout: float | None, force: bool, as_json: bool,
              pytest_args: tuple[str, ...]) -> None:
    """Run STORY's tests and record the evidence.

    \b
    Failing tests move a story to red (Steps 1-2 of Test Results filled).
    Passing tests after red move it to green (Steps 3-4 filled), given at
    least min_tests passed and none skipped.  Anything else is refused and
    changes nothing.  Arguments after -- go to pytest.
    """
    from storykit.lifecycle import run_tests as run

    if as_json:  # from here on stdout is stderr: the live test output and messages go there
        from storykit import jsonout

        jsonout.enable("run-tests")
    project = project_from(ctx)
    outcome = run(project, story, timeout=timeout, extra=list(pytest_args), echo=sys.stdout.buffer, force=force)
    sys.stdout.flush()
    if as_json:
        _emit(project, outcome)
    if outcome.verdict.refused:
        where = f" (full log: {outcome.log})" if outcome.log else ""
        click.echo(f"Refused: {outcome.verdict.reason}{where}", err=True)
        ctx.exit(1)
    click.echo(f"storykit: {outcome.verdict.reason}; recorded in {project.rel(outcome.path)}")


def _emit(project, outcome) -> None:  # type: ignore[no-untyped-def]
    from storykit import jsonout
    from storykit.story import load_meta

    verdict = outcome.verdict
    meta = load_meta(outcome.path)
    jsonout.emit("run-tests", {
        "id": outcome.story_id,
        "path": project.rel(outcome.path),
        "refused": verdict.refused,
        "status": meta.get("status"),
        "phase": verdict.phase,
        "reason": verdict.reason,
        "notes": list(verdict.notes),
        "log": outcome.log,
        "run": jsonout.run_fields(outcome.result) if outcome.result else None,
    }, ok=not verdict.refused)
