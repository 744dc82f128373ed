"""storykit validate."""

from __future__ import annotations

import sys

import click

from storykit.cli.app import SECONDS, project_from


@click.command()
@click.argument("story")
@click.option("--timeout", type=SECONDS, metavar="SECONDS",
              help="Kill a validation command (and everything it started) after this long.")
@click.pass_context
def validate(ctx: click.Context, story: str, timeout: float | None) -> None:
    """Run a green STORY's validation commands; on success it is validated.

    The commands are the story's front-matter 'validate' list, else the
    config's 'validate' (e.g. ["ruff check .", "mypy storykit"]).  Each runs
    in the shell from the project root, output shown live; the first that
    fails stops the run and nothing is changed.  Their output goes into the
    Validation part of Test Results.  'storykit complete' runs them itself
    for a green story.
    """
    from storykit.actions.validate import validate as run_validation

    project = project_from(ctx)
    story_id, path, outcome = run_validation(project, story, timeout=timeout, echo=sys.stdout.buffer)
    sys.stdout.flush()
    count = len(outcome.record["commands"])
    click.echo(f"storykit: {story_id} is validated ({count} command(s) passed); recorded in {project.rel(path)}")
