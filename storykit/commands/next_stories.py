"""storykit next."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from storykit.cli import project_from

if TYPE_CHECKING:
    from storykit.project import Entry, Project

JSON_VERSION = 1


@click.command("next")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (ready and blocked stories).")
@click.pass_context
def next_cmd(ctx: click.Context, as_json: bool) -> None:
    """List the stories ready to start: not started, every dependency done.

    Sorted by id, one per line: id, title, track, agent, estimate.  A story
    whose dependencies are not all done is blocked, and 'run-tests' refuses it
    (unless --force, which is recorded in the story).
    """
    from storykit import graph

    project = project_from(ctx)
    entries = {}
    for entry in project.entries():
        entries.setdefault(entry.id, entry)
    deps, status = graph.from_entries(entries.values())
    ready = graph.ready(deps, status)
    blocked = graph.blocked(deps, status)
    if as_json:
        doc = {
            "version": JSON_VERSION,
            "ready": [_row(project, entries[s]) for s in ready],
            "blocked": [{"id": s, "waits_for": w} for s, w in blocked],
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
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


def _row(project: Project, entry: Entry) -> dict[str, Any]:
    meta = entry.meta
    return {"id": entry.id, "title": meta.get("title"), "path": project.rel(entry.path),
            "track": meta.get("track"), "agent": meta.get("agent"), "estimate": meta.get("estimate"),
            "dependencies": list(meta.get("dependencies") or [])}
