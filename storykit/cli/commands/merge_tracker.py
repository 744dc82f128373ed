"""storykit merge-tracker (hidden: git runs it, people do not)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("merge-tracker", hidden=True)
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("path")
@click.pass_context
def merge_tracker(ctx: click.Context, base: Path, ours: Path, theirs: Path, path: str) -> None:
    """git merge driver for the tracker: BASE OURS THEIRS PATH (git's %O %A %B %P).

    Writes the tracker of the merged stories into OURS and exits 0, so the tracker
    never conflicts.  Registered by 'storykit init' (or 'init --merge-driver').
    """
    from storykit.actions.merge_tracker import run_driver

    code, message = run_driver(base.absolute(), ours.absolute(), theirs.absolute(), path, Path.cwd())
    click.echo(message, err=True)
    ctx.exit(code)
