"""storykit search."""

from __future__ import annotations

import click

from storykit.cli.app import project_from
from storykit.cli.jsonflag import json_option

_EXCERPT = 100  # characters of the matching line shown


@click.command()
@json_option("search")
@click.argument("text")
@click.pass_context
def search(ctx: click.Context, text: str) -> None:
    """Find the stories that mention TEXT.

    Titles, bodies and notes are searched, case-insensitively.

    One line per story: id, title, and where the first match is, with its line.
    --json lists every match (up to 20 a story) with its line number.
    """
    from storykit.actions.search import search as find
    from storykit.cli import jsonout

    project = project_from(ctx)
    found = find(project, text)
    if jsonout.active():
        jsonout.emit("search", {"query": text, "results": [
            {"id": f.story_id, "title": f.title, "status": f.status, "path": project.rel(f.path),
             "matches": [{"where": m.where, "line": m.line, "text": m.text} for m in f.matches]}
            for f in found]})
        return
    if not found:
        click.echo(f"No story mentions '{text}'.", err=True)
        return
    for story in found:
        first = story.matches[0]
        excerpt = first.text if len(first.text) <= _EXCERPT else first.text[:_EXCERPT - 1] + "…"
        click.echo(f"{story.story_id}  {story.title}  ({first.where}: {excerpt})")
