"""storykit note."""

from __future__ import annotations

import click

from storykit.cli.app import project_from
from storykit.cli.jsonflag import json_option


@click.command()
@json_option("note")
@click.argument("story")
@click.argument("text")
@click.option("--by", metavar="NAME", help="Who writes the note (default: git user.name, else the story's agent).")
@click.pass_context
def note(ctx: click.Context, story: str, text: str, by: str | None) -> None:
    """Add a dated one-line note to STORY's Handoff Notes.

    The note is written '- DATE (NAME): TEXT'.

    A note is one line: newlines in TEXT are folded into spaces.  A story
    without a Handoff Notes section gets a '## Notes' section before its
    Completion Checklist.  Put '--' before a TEXT that starts with '-'.
    """
    from storykit.actions.note import note as add
    from storykit.cli import jsonout

    project = project_from(ctx)
    noted = add(project, story, text, by=by)
    if jsonout.active():
        jsonout.emit("note", {"id": noted.story_id, "path": project.rel(noted.path), "section": noted.section,
                              "date": noted.date, "by": noted.by, "text": noted.text})
        return
    click.echo(f"{noted.story_id}: note added to {noted.section}")
