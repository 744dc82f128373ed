"""storykit set."""

from __future__ import annotations

import click

from storykit.cli.app import project_from
from storykit.cli.jsonflag import json_option


@click.command("set")
@json_option("set")
@click.argument("story")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.pass_context
def set_cmd(ctx: click.Context, story: str, pairs: tuple[str, ...]) -> None:
    """Set fields of STORY that people own.

    Each is changed in the front matter and in the matching header line.

    \b
    Keys: title, track, agent, estimate, priority (p0..p3), labels,
    dependencies, tests, min_tests.  Lists are comma-separated
    (labels=api,cli); an empty value clears a field.  Checked as 'storykit
    new' checks them.  Status, runs and completion are storykit's: refused.
    """
    from storykit.actions.set_fields import set_fields
    from storykit.cli import jsonout

    project = project_from(ctx)
    changed = set_fields(project, story, list(pairs))
    if jsonout.active():
        jsonout.emit("set", {"id": changed.story_id, "path": project.rel(changed.path), "changed": changed.changed,
                             "stale": changed.stale, "notes": changed.notes})
        return
    notes = "".join(f"; {n}" for n in changed.notes)
    click.echo(f"{changed.story_id}: set {', '.join(changed.changed)}{notes}")
