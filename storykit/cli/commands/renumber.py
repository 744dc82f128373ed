"""storykit renumber."""

from __future__ import annotations

import click

from storykit.cli.app import project_from


@click.command()
@click.argument("old")
@click.argument("new", required=False)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.pass_context
def renumber(ctx: click.Context, old: str, new: str | None, dry_run: bool) -> None:
    """Give story OLD the id NEW (default: the next free id).

    Renames its front matter id, its '# ID: title' heading and its file, and
    every reference to it in other stories' dependencies and Blocks lines, then
    regenerates the tracker; all or nothing.  Refuses if NEW is taken here, on
    another branch or earlier in history.  After a merge left two stories with
    one id, name the one to move by its file: storykit renumber stories/FILE.md
    """
    from storykit.actions.renumber import renumber as run

    project = project_from(ctx)
    result = run(project, old, new, dry_run=dry_run)
    verb = "Would renumber" if dry_run else "Renumbered"
    click.echo(f"{verb} {result.old_id} -> {result.new_id}: {project.rel(result.path)} "
               f"(was {project.rel(result.old_path)})")
    for path in result.updated:
        click.echo(f"  {'would update' if dry_run else 'updated'} {project.rel(path)}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
