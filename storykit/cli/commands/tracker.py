"""storykit tracker."""

from __future__ import annotations

import click

from storykit.cli.app import project_from


@click.command("tracker")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if STORY_TRACKER.md is not up to date.")
@click.pass_context
def tracker_cmd(ctx: click.Context, check: bool) -> None:
    """Regenerate STORY_TRACKER.md from the story files."""
    from storykit.project import tracker

    project = project_from(ctx)
    name = project.config.tracker
    if check:
        if not tracker.is_current(project):
            click.echo(f"{name} is out of date: run 'storykit tracker' and commit it", err=True)
            ctx.exit(1)
        click.echo(f"{name} is up to date")
        return
    changed = tracker.write(project)
    click.echo(f"{name} {'updated' if changed else 'already up to date'}")
