"""storykit close."""

from __future__ import annotations

import click

from storykit.cli.app import project_from
from storykit.cli.jsonflag import json_option


@click.command()
@json_option("close")
@click.argument("story")
@click.option("--as", "closed_as", required=True, type=click.Choice(["wont-do", "duplicate", "obsolete"]),
              help="How the story ends without being done.")
@click.option("--reason", required=True, metavar="TEXT", help="Why, in one line (kept in the story).")
@click.option("--of", metavar="ID", help="With --as duplicate: the story it duplicates.")
@click.pass_context
def close(ctx: click.Context, story: str, closed_as: str, reason: str, of: str | None) -> None:
    """Close STORY without doing it (wont-do, duplicate, obsolete).

    A closed story is terminal: the tracker counts it apart (neither done nor
    work left), 'check' needs no test evidence for it, 'next' never offers
    it.  A story depending on a duplicate waits for the story it duplicates;
    one depending on a wont-do or obsolete story is never ready ('check' warns).
    """
    from storykit.actions.close import close as close_story
    from storykit.cli import jsonout

    project = project_from(ctx)
    closed = close_story(project, story, closed_as, reason, of=of)
    if jsonout.active():
        jsonout.emit("close", {"id": closed.story_id, "path": project.rel(closed.path), "status": "closed",
                               "closed_as": closed.closed_as, "closed_reason": closed.reason,
                               "duplicate_of": closed.duplicate_of, "dependents": closed.dependents})
        return
    waiting = ""
    if closed.dependents and closed.closed_as != "duplicate":
        waiting = f"; {', '.join(closed.dependents)} depend(s) on it and will never be ready (see 'storykit check')"
    click.echo(f"{closed.story_id} is closed ({closed.how}): {closed.reason}{waiting}")
