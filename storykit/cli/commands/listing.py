"""storykit list (alias: status)."""

from __future__ import annotations

import click

from storykit.cli.app import project_from
from storykit.cli.filters import describe, filter_options
from storykit.cli.jsonflag import json_option


@click.command("list")
@json_option("list")
@filter_options
@click.pass_context
def list_stories(ctx: click.Context, status: str | None, label: tuple[str, ...], agent: str | None,
                 priority: list[str]) -> None:
    """List the stories, by priority then id.

    One line each: id, status, (priority,) title, track and agent.  Stories
    without a priority sort after those with one (p0 first).
    """
    from storykit.cli import jsonout
    from storykit.core import fields

    project = project_from(ctx)
    entries = sorted((e for e in project.entries()
                      if fields.matches(e.meta, status=status, labels=label, agent=agent, priorities=priority)),
                     key=lambda e: fields.priority_rank(e.meta))  # stable: by id within a priority
    if jsonout.active():
        blocks = project.blocks_map()
        jsonout.emit("list", {"filter": {"status": status, "label": list(label), "agent": agent,
                                         "priority": list(priority)},
                              "stories": [jsonout.story_fields(project, e.path, e.meta, blocks) for e in entries],
                              "unreadable": jsonout.unreadable(project)})
        return
    with_priority = any(e.meta.get("priority") for e in entries)
    rows = [(e.id, str(e.meta["status"]), *([str(e.meta.get("priority") or "-")] if with_priority else []),
             str(e.meta.get("title", "")), str(e.meta.get("track") or ""), str(e.meta.get("agent") or ""))
            for e in entries]
    if status is None:  # where an unreadable file would have been listed (named on stderr)
        rows += [(project.file_id(b.path.name) or b.path.name, "unreadable",
                  *(["-"] if with_priority else []), "run 'storykit check'", "", "") for b in project.broken]
    if not rows:
        click.echo("No stories" + describe(status, label, agent, priority) + ".", err=True)
        return
    header = ("ID", "STATUS", *(["PRI"] if with_priority else []), "TITLE", "TRACK", "AGENT")
    last = len(header) - 1
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(last)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(widths[i]) if i < last else cell for i, cell in enumerate(row)).rstrip())
    click.echo("\n".join(lines))
