"""storykit next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from storykit.cli.app import project_from
from storykit.cli.filters import describe, filter_options
from storykit.cli.jsonflag import json_option

if TYPE_CHECKING:
    from storykit.project.store import Entry


@click.command("next")
@click.option("--all", "show_all", is_flag=True, help="Also list the stories an agent has claimed (marked).")
@json_option("next")
@filter_options
@click.pass_context
def next_cmd(ctx: click.Context, show_all: bool, status: str | None, label: tuple[str, ...], agent: str | None,
             priority: list[str]) -> None:
    """List the stories ready to start: not started, every dependency done
    (a closed duplicate counts as the story it duplicates; a closed story is
    never offered).

    Sorted by priority (p0 first, none last), then id, one per line: id,
    title, track, agent, estimate.  A story whose dependencies are not all
    done is blocked, and 'run-tests' refuses it (unless --force, which is
    recorded in the story).  Stories claimed with 'storykit start' are left
    out (--all lists them, marked).
    """
    from storykit.core import fields, graph
    from storykit.cli import jsonout

    project = project_from(ctx)
    entries: dict[str, Entry] = {}
    for entry in project.entries():
        entries.setdefault(entry.id, entry)
    deps, statuses = graph.from_entries(entries.values())
    same = graph.duplicates(entries.values())

    def wanted(story_id: str) -> bool:
        return fields.matches(entries[story_id].meta, status=status, labels=label, agent=agent, priorities=priority)

    ready = sorted((s for s in graph.ready(deps, statuses, same) if wanted(s)),
                   key=lambda s: fields.priority_rank(entries[s].meta))  # stable: by id within a priority
    blocked = [(s, w) for s, w in graph.blocked(deps, statuses, same) if wanted(s)]
    claimed = [s for s in ready if entries[s].meta.get("claimed_by")]
    if not show_all:
        ready = [s for s in ready if s not in claimed]
    if jsonout.active():
        blocks = project.blocks_map()
        jsonout.emit("next", {
            "ready": [jsonout.story_fields(project, entries[s].path, entries[s].meta, blocks) for s in ready],
            "blocked": [{"id": s, "waits_for": w} for s, w in blocked],
            "filter": {"status": status, "label": list(label), "agent": agent, "priority": list(priority)},
            "claimed": [{"id": s, "claimed_by": entries[s].meta.get("claimed_by"),
                         "claimed_at": entries[s].meta.get("claimed_at")} for s in claimed],
            "unreadable": jsonout.unreadable(project),
        })
        return
    if not ready:
        waiting = "; ".join(f"{s} waits for {', '.join(w)}" for s, w in blocked[:5])
        more = f"; and {len(blocked) - 5} more" if len(blocked) > 5 else ""
        parts = ([waiting + more] if waiting else []) + ([f"{len(claimed)} claimed: --all lists them"]
                                                         if claimed else [])
        click.echo("No story is ready to start" + describe(status, label, agent, priority)
                   + (f" ({'; '.join(parts)})" if parts else "") + ".", err=True)
        return
    rows = [(s, str(entries[s].meta.get("title", "")), _plan(entries[s].meta) + _claim(entries[s].meta))
            for s in ready]
    width = max(len(s) for s, _, _ in rows)
    click.echo("\n".join(f"{s:<{width}}  {title}{plan}" for s, title, plan in rows))


def _plan(meta: dict[str, Any]) -> str:
    parts = [str(meta[k]) for k in ("track", "agent", "estimate") if meta.get(k)]
    return f"  ({', '.join(parts)})" if parts else ""


def _claim(meta: dict[str, Any]) -> str:
    holder = meta.get("claimed_by")
    return f"  [claimed by {holder} since {meta.get('claimed_at')}]" if holder else ""
