"""storykit complete."""

from __future__ import annotations

import sys

import click

from storykit.cli.app import SECONDS, project_from, warner
from storykit.cli.jsonflag import json_option


@click.command()
@json_option("complete")
@click.argument("story")
@click.option("--by", help="Who completed it (default: git user.name).")
@click.option("--actual", help="Actual time spent, e.g. \"1.5h\" (default: first red to now).")
@click.option("--no-commit", is_flag=True, help="Record completion without committing.")
@click.option("--timeout", type=SECONDS, metavar="SECONDS",
              help="Kill the final test run after this long.")
@click.pass_context
def complete(ctx: click.Context, story: str, by: str | None, actual: str | None, no_commit: bool,
             timeout: float | None) -> None:
    """Finish a green STORY: re-run its tests, check it, record it, commit.

    Refuses while its tests fail or boxes in Tasks, Acceptance Criteria or
    the Completion Checklist are unticked (items storykit verifies itself it
    ticks).  Commits the story, the tracker and whatever you have staged, with
    the configured message (default "feat: <title> (<id>)").
    """
    from storykit.cli import jsonout
    from storykit.actions.complete import complete as finish

    project = project_from(ctx)
    done = finish(project, story, by=by, actual=actual, commit=not no_commit, timeout=timeout,
                  echo=sys.stdout.buffer, warn=warner(project))
    sys.stdout.flush()
    for note in done.notes:
        click.echo(f"storykit: {note}")
    click.echo(f"storykit: {done.story_id} is done; recorded in {project.rel(done.path)}")
    if done.commit:
        click.echo(f"Committed {done.commit[:10]}:")
        click.echo(done.commit_summary.rstrip())
    else:
        click.echo(f"Not committed ({done.not_committed}).")
    if jsonout.active():  # then stdout is stderr: the live output and the lines above went there
        _emit(project, done)


def _emit(project, done) -> None:  # type: ignore[no-untyped-def]
    from storykit import git
    from storykit.cli import jsonout
    from storykit.story.model import load_meta

    meta = load_meta(done.path)
    jsonout.emit("complete", {
        "id": done.story_id,
        "path": project.rel(done.path),
        "status": meta.get("status"),
        "completed": meta.get("completed"),
        "completed_by": meta.get("completed_by"),
        "actual": meta.get("actual"),
        "commit": done.commit,
        "committed_files": git.commit_files(project.root, done.commit) if done.commit else [],
        "not_committed": done.not_committed,
        "notes": list(done.notes),
        "run": jsonout.recorded_run((meta.get("runs") or {}).get("final") or {}),
        "suite": ((meta.get("runs") or {}).get("final") or {}).get("suite"),
    })
