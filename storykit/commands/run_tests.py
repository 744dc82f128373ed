"""storykit run-tests."""

from __future__ import annotations

import sys

import click

from storykit.cli import SECONDS, project_from


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("story")
@click.option("--timeout", type=SECONDS, metavar="SECONDS",
              help="Kill the test run (and everything it started) after this long; never a pass.")
@click.option("--force", is_flag=True, help="Run even though a dependency is not done (recorded in the story).")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run_tests(ctx: click.Context, story: str, timeout: float | None, force: bool,
              pytest_args: tuple[str, ...]) -> None:
    """Run STORY's tests and record the evidence.

    \b
    Failing tests move a story to red (Steps 1-2 of Test Results filled).
    Passing tests after red move it to green (Steps 3-4 filled), given at
    least min_tests passed and none skipped.  Anything else is refused and
    changes nothing.  Arguments after -- go to pytest.
    """
    from storykit.lifecycle import run_tests as run

    project = project_from(ctx)
    outcome = run(project, story, timeout=timeout, extra=list(pytest_args), echo=sys.stdout.buffer, force=force,
                  warn=lambda w: click.echo(f"warning: {w}", err=True))
    sys.stdout.flush()
    if outcome.verdict.refused:
        where = f" (full log: {outcome.log})" if outcome.log else ""
        click.echo(f"Refused: {outcome.verdict.reason}{where}", err=True)
        ctx.exit(1)
    click.echo(f"storykit: {outcome.verdict.reason}; recorded in {project.rel(outcome.path)}")
