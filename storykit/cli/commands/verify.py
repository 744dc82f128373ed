"""storykit verify."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from storykit.cli.app import SECONDS, project_from
from storykit.cli.jsonflag import json_option

if TYPE_CHECKING:
    from storykit.actions.verify import Verification


@click.command()
@json_option("verify")
@click.argument("story", required=False)
@click.option("--all", "every", is_flag=True, help="Replay every done story.")
@click.option("--since", metavar="REF",
              help="Replay the done stories whose story or test files changed in 'git diff REF...HEAD'.")
@click.option("--shard", metavar="K/N", help="Replay only shard K of N (every N-th story by id), for a CI matrix.")
@click.option("--list", "list_only", is_flag=True, help="Print the ids that would be replayed, and stop.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
              help="Stories replayed at a time (default: one per core).")
@click.option("--timeout", type=SECONDS, metavar="SECONDS",
              help="Kill each replayed test run after this long.")
@click.option("-v", "--verbose", is_flag=True, help="Show the test output of each replay.")
@click.pass_context
def verify(ctx: click.Context, story: str | None, every: bool, since: str | None, shard: str | None,
           list_only: bool, jobs: int | None, timeout: float | None, verbose: bool) -> None:
    """Replay STORY's TDD evidence from git: red must fail, done must pass.

    \b
    Finds the story's commits by their trailers (one git log --grep):
      Phase: red   made by 'storykit run-tests ID --commit' at red
      Phase: green made by 'storykit run-tests ID --commit' at green
      Phase: done  made by 'storykit complete ID'
    checks each out in a temporary git worktree (removed afterwards) and
    runs the story's tests there: at the red commit they must fail, at the
    green and completion commits they must pass.  Writes nothing to the
    story.  Exit 0 when the evidence replays; otherwise one line per problem
    on stderr and exit 1.

    \b
    --all replays every done story, several at a time (one line each, in id
    order, then a summary); --since REF only those a branch touched; --shard
    K/N one of N equal parts, so a CI matrix spreads the replay.
    """
    from storykit.errors import StorykitError

    selecting = every or since is not None or shard is not None
    if story and selecting:
        raise StorykitError("give a STORY or --all/--since/--shard, not both")
    if not story and not selecting:
        raise StorykitError("give a STORY to replay, or --all (or --since REF) to replay every done story",
                            hint="see 'storykit verify --help'")
    project = project_from(ctx)
    if story:
        if list_only:
            click.echo(project.load(story).id)
            return
        _one(ctx, project, story, timeout, verbose)
    else:
        _many(ctx, project, since, shard, list_only, jobs, timeout, verbose)


def _one(ctx: click.Context, project: Any, story: str, timeout: float | None, verbose: bool) -> None:
    from storykit.actions.verify import describe, verify as replay
    from storykit.cli import jsonout

    check = replay(project, story, timeout=timeout, echo=sys.stdout.buffer if verbose else None)
    sys.stdout.flush()
    for line in describe(check):
        click.echo(line)
    for line in check.not_replayable:
        click.echo(f"Not replayable: {check.story_id}: {line}")
    if jsonout.active():
        jsonout.emit("verify", {"stories": [_fields(check)]}, ok=check.ok)
    if check.problems:
        for problem in check.problems:
            click.echo(f"Problem: {check.story_id}: {problem}", err=True)
        if jsonout.active():
            ctx.exit(1)  # the verify document above says why; one document only
        # The one refusal channel: the boundary prints "Refused: ..." and exits 1.
        from storykit.errors import Refused

        raise Refused(f"{check.story_id}'s evidence does not replay ({len(check.problems)} problem(s))",
                      story=check.story_id)
    if check.not_replayable:
        click.echo(f"storykit: {check.story_id}'s evidence replays, except the commit acknowledged as not replayable "
                   f"(above; docs/verify.md)")
        return
    click.echo(f"storykit: {check.story_id}'s evidence replays: its tests fail at the red commit and pass "
               f"at the completion commit")


def _many(ctx: click.Context, project: Any, since: str | None, shard_text: str | None, list_only: bool,
          jobs: int | None, timeout: float | None, verbose: bool) -> None:
    from storykit.actions import verify_all
    from storykit.cli import jsonout

    shard = verify_all.Shard.parse(shard_text) if shard_text is not None else None
    ids = verify_all.select(project, since=since, shard=shard)
    if list_only:
        for story_id in ids:
            click.echo(story_id)
        return
    if not ids:
        why = f" (none changed since {since})" if since is not None else ""
        why += f" (shard {shard} is empty)" if shard is not None and not why else ""
        if jsonout.active():
            jsonout.emit("verify", {"stories": []})
        click.echo(f"storykit: no done story to replay{why}")
        return
    checks: list[Verification] = []
    for item in verify_all.replay_all(project, ids, jobs=jobs or verify_all.default_jobs(), timeout=timeout,
                                      keep_output=verbose):
        if item.output:
            sys.stdout.flush()
            sys.stdout.buffer.write(item.output)
            sys.stdout.buffer.flush()
        check = item.check
        checks.append(check)
        steps = "; ".join(f"{r.phase} {r.commit[:10]} {r.summary}" for r in check.replays) or "nothing replayed"
        state = "FAILED" if not check.ok else "not replayable" if check.not_replayable else "ok    "
        click.echo(f"{check.story_id}  {state}  {steps}")
    failed = [c for c in checks if not c.ok]
    if jsonout.active():
        jsonout.emit("verify", {"stories": [_fields(c) for c in checks]}, ok=not failed)
    where = f" (shard {shard} of {len(verify_all.select(project, since=since))})" if shard is not None else ""
    if failed:
        for check in failed:
            for problem in check.problems:
                click.echo(f"Problem: {check.story_id}: {problem}", err=True)
        click.echo(f"Refused: {len(failed)} of {len(checks)} done stories do not replay{where}: "
                   f"{', '.join(c.story_id for c in failed)}", err=True)
        ctx.exit(1)
    excused = [c for c in checks if c.not_replayable]
    for check in excused:
        for line in check.not_replayable:
            click.echo(f"Not replayable: {check.story_id}: {line}")
    if excused:
        click.echo(f"storykit: {len(checks) - len(excused)} of {len(checks)} done stories replay{where}; "
                   f"{len(excused)} acknowledged as not replayable ({', '.join(c.story_id for c in excused)}), "
                   f"each listed above")
        return
    click.echo(f"storykit: {len(checks)} of {len(checks)} done stories replay{where}: their tests fail at the "
               f"red commit and pass at the completion commit")


def _fields(check: Verification) -> dict[str, Any]:
    return {
        "id": check.story_id,
        "ok": check.ok,
        "replays": [{"phase": r.phase, "commit": r.commit, "summary": r.summary} for r in check.replays],
        "problems": list(check.problems),
        "not_replayable": list(check.not_replayable),
    }
