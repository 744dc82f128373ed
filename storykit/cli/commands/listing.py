"""storykit list (alias: status)."""

from __future__ import annotations

import click

from storykit.cli.app import project_from
from storykit.cli.jsonflag import json_option
from storykit.story.model import STATUSES


@click.command("list")
@json_option("list")
@click.option("--status", "status", type=click.Choice(STATUSES), help="Only stories in this status.")
@click.pass_context
def list_stories(ctx: click.Context, status: str | None) -> None:
    """List the stories: id, status, title, track and agent."""
    from storykit.cli import jsonout

    project = project_from(ctx)
    entries = [e for e in project.entries() if status is None or e.meta.get("status") == status]
    if jsonout.active():
        blocks = project.blocks_map()
        jsonout.emit("list", {"filter": {"status": status},
                              "stories": [jsonout.story_fields(project, e.path, e.meta, blocks) for e in entries]})
        return
    rows = [(e.id, str(e.meta["status"]), str(e.meta.get("title", "")), str(e.meta.get("track") or ""),
             str(e.meta.get("agent") or "")) for e in entries]
    if not rows:
        click.echo("No stories" + (f" with status {status}" if status else "") + ".", err=True)
        return
    header = ("ID", "STATUS", "TITLE", "TRACK", "AGENT")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip())
    click.echo("\n".join(lines))
