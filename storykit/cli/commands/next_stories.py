"""storykit next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from storykit.cli.app import project_from
from storykit.cli.jsonflag import json_option

if TYPE_CHECKING:
    from storykit.project.store import Entry


@click.command("next")
@json_option("next")
@click.pass_context
def next_cmd(ctx: click.Context) -> None:
    """List the stories ready to start: not started, every dependency done.

    Sorted by id, one per line: id, title, track, agent, estimate.  A story
    whose dependencies are not all done is blocked, and 'run-tests' refuses it
    (unless --force, which is recorded in the story).
    """
    from storykit.core import graph
    from storykit.cli import jsonout

    project = project_from(ctx)
    entries: dict[str, Entry] = {}
    for entry in project.entries():
        entries.setdefault(entry.id, entry)
    deps, status = graph.from_entries(entries.values())
    ready = graph.ready(deps, status)
    blocked = graph.blocked(deps, status)
    if jsonout.active():
        blocks = project.blocks_map()
        jsonout.emit("next", {
            "ready": [jsonout.story_fields(project, entries[s].path, entries[s].meta, blocks) for s in ready],
            "blocked": [{"id": s, "waits_for": w} for s, w in blocked],
        })
        return
    if not ready:
        waiting = "; ".join(f"{s} waits for {', '.join(w)}" for s, w in blocked[:5])
        more = f"; and {len(blocked) - 5} more" if len(blocked) > 5 else ""
        click.echo("No story is ready to start" + (f" ({waiting}{more})" if waiting else "") + ".", err=True)
        return
    rows = [(s, str(entries[s].meta.get("title", "")), _plan(entries[s].meta)) for s in ready]
    width = max(len(s) for s, _, _ in rows)
    click.echo("\n".join(f"{s:<{width}}  {title}{plan}" for s, title, plan in rows))


def _plan(meta: dict[str, Any]) -> str:
    parts = [str(meta[k]) for k in ("track", "agent", "estimate") if meta.get(k)]
    return f"  ({', '.join(parts)})" if parts else ""
