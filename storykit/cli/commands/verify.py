"""storykit verify."""

from __future__ import annotations

import sys

import click

from storykit.cli.app import SECONDS, project_from


@click.command()
@click.argument("story")
@click.option("--timeout", type=SECONDS, metavar="SECONDS",
              help="Kill each replayed test run after this long.")
@click.option("-v", "--verbose", is_flag=True, help="Show the test output of each replay.")
@click.pass_context
def verify(ctx: click.Context, story: str, timeout: float | None, verbose: bool) -> None:
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
    """
    from storykit.actions.verify import describe, verify as replay
    from storykit.errors import Refused

    project = project_from(ctx)
    check = replay(project, story, timeout=timeout, echo=sys.stdout.buffer if verbose else None)
    sys.stdout.flush()
    for line in describe(check):
        click.echo(line)
    if check.problems:
        for problem in check.problems:
            click.echo(f"Problem: {check.story_id}: {problem}", err=True)
        # The one refusal channel: the boundary prints "Refused: ..." and exits 1.
        raise Refused(f"{check.story_id}'s evidence does not replay ({len(check.problems)} problem(s))",
                      story=check.story_id)
    click.echo(f"storykit: {check.story_id}'s evidence replays: its tests fail at the red commit and pass "
               f"at the completion commit")
