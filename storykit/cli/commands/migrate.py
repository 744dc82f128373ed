"""storykit migrate."""

from __future__ import annotations

import click

from storykit.cli.app import project_from


@click.command("migrate")
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Move stories written by older storykit versions to the current form.

    Their runs' per-test records (every test's id and outcome) leave the front
    matter for the committed evidence file beside the story
    (stories/.evidence/<story>.json); the front matter keeps each run's summary
    and the digest of its records, and Test Results is rendered again.  Such
    stories also move by themselves at their next write; running it again
    changes nothing.  Review and commit the result.
    """
    from storykit.actions.migrate import migrate as run

    project = project_from(ctx)
    moved = run(project)
    if not moved:
        click.echo("nothing to migrate: every story is in the current form")
        return
    for item in moved:
        click.echo(f"migrated {project.rel(item.path)}: {item.runs} run(s), {item.tests} per-test record(s) -> "
                   f"{project.rel(item.evidence)}")
        for note in item.notes:
            click.echo(f"  note: {note}", err=True)
