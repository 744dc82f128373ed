"""storykit start and storykit release."""

from __future__ import annotations

import click

from storykit.cli.app import project_from
from storykit.cli.jsonflag import json_option


@click.command()
@click.argument("story")
@click.option("--agent", metavar="NAME",
              help="Who claims it (default: $STORYKIT_AGENT, else git's user.name, else your login).")
@json_option("start")
@click.pass_context
def start(ctx: click.Context, story: str, agent: str | None) -> None:
    """Claim STORY and make it the active story of this worktree.

    The claim (claimed_by, claimed_at) is written into the story's front matter, so
    'storykit next' offers it to nobody else; the agent hooks guard the active story's
    TDD cycle.  When another agent holds the story (here or in another worktree of
    this clone) start refuses (exit 1) and names it.  A done story cannot be started.
    """
    from storykit.actions import claims
    from storykit.cli import jsonout

    project = project_from(ctx)
    claim = claims.start(project, story, agent)
    if jsonout.active():
        jsonout.emit("start", {"id": claim.story_id, "path": project.rel(claim.path), "status": claim.status,
                               "claimed_by": claim.agent, "claimed_at": claim.claimed_at,
                               "already_claimed": not claim.changed, "previous": claim.previous})
        return
    verb = "Started" if claim.changed else "Still yours:"
    click.echo(f"{verb} {claim.story_id} ({claim.status}), claimed by {claim.agent} since {claim.claimed_at}; "
               f"it is the active story of this worktree")
    if claim.previous:
        click.echo(f"{claim.previous} is no longer active here but keeps its claim; "
                   f"'storykit release {claim.previous}' gives it back", err=True)
    click.echo(f"Next: {next_step(claim.story_id, claim.status)}")


def next_step(story_id: str, status: str) -> str:
    if status == "not-started":
        return f"write its failing tests, then 'storykit run-tests {story_id}'"
    if status == "red":
        return f"implement until its tests pass, then 'storykit run-tests {story_id}'"
    return f"tick what you really did, then 'storykit complete {story_id}'"


@click.command()
@click.argument("story", required=False)
@click.option("--agent", metavar="NAME", help="Who releases it (default as for 'start').")
@click.option("--force", is_flag=True, help="Release a story another agent holds.")
@json_option("release")
@click.pass_context
def release(ctx: click.Context, story: str | None, agent: str | None, force: bool) -> None:
    """Drop the claim on STORY (default: this worktree's active story) and its active mark."""
    from storykit.actions import claims
    from storykit.cli import jsonout

    project = project_from(ctx)
    done = claims.release(project, story, agent, force=force)
    if jsonout.active():
        jsonout.emit("release", {"id": done.story_id, "path": project.rel(done.path),
                                 "released_from": done.agent, "was_active": done.was_active})
        return
    held = f" (held by {done.agent})" if done.agent else " (it was not claimed)"
    click.echo(f"Released {done.story_id}{held}" + ("; no story is active in this worktree now"
                                                      if done.was_active else ""))
