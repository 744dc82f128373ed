"""storykit tick."""

from __future__ import annotations

import click

from storykit.cli.app import project_from
from storykit.cli.jsonflag import json_option


@click.command()
@json_option("tick")
@click.argument("story")
@click.argument("items", nargs=-1, required=True)
@click.option("--undo", is_flag=True, help="Untick the items instead.")
@click.pass_context
def tick(ctx: click.Context, story: str, items: tuple[str, ...], undo: bool) -> None:
    """Tick checklist ITEMS of STORY, by number or by text.

    An item is the number 'storykit show' prints, or a piece of the item's
    text that matches it alone (case-insensitive).

    Items storykit verifies itself (tagged <!-- storykit:PHASE -->) are refused,
    naming the command that ticks them.  One item that cannot be ticked changes
    nothing.
    """
    from storykit.actions.tick import shown, tick as tick_items
    from storykit.cli import jsonout

    done = tick_items(project_from(ctx), story, list(items), undo=undo)
    if jsonout.active():
        jsonout.emit("tick", {
            "id": done.story_id, "path": project_from(ctx).rel(done.path), "undo": undo,
            "changed": [{"number": i.number, "section": i.section, "item": i.text, "checked": i.checked}
                        for i in done.changed],
            "left": done.left,
        })
        return
    verb = "unticked" if undo else "ticked"
    if done.changed:
        what = f"{verb} {', '.join(shown(item) for item in done.changed)}"
    else:
        numbers = ", ".join(str(item.number) for item in done.unchanged)
        what = f"nothing to change ({numbers} {'is' if len(done.unchanged) == 1 else 'are'} already {verb})"
    click.echo(f"{done.story_id}: {what}; {done.left} item(s) left to tick")
