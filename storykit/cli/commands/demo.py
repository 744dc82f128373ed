"""storykit demo."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def demo(directory: Path | None) -> None:
    """Take a throwaway git repository through the whole cycle.

    init, new, a refused run, red, green, a refused and then a successful
    complete, each a real storykit command and a real pytest run; then shows the
    story's evidence, the tracker and the commit.  DIRECTORY (default: a new
    temporary folder) must be empty or new.
    """
    from storykit.actions.demo import run_demo

    code = run_demo(directory, click.echo)
    if code:
        raise click.exceptions.Exit(code)
