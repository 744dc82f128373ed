"""storykit new."""

from __future__ import annotations

import re

import click

from storykit.cli.app import project_from

_VAR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)


def _parse_vars(values: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for value in values:
        match = _VAR.match(value)
        if not match:
            raise click.BadParameter(f"'{value}' is not KEY=VALUE (KEY: letters, digits, _)", param_hint="--var")
        found[match.group(1)] = match.group(2)
    return found


@click.command()
@click.argument("template")
@click.option("--title", required=True, help="What the story delivers; also names the file.")
@click.option("--tests", "tests", multiple=True, metavar="PATH",
              help="Test file, folder or pytest node id of this story (repeatable). "
                   "Without it, the tests marked @pytest.mark.story(ID) run.")
@click.option("--id", "story_id", help="Use this id instead of the next free one (STORY-007, 007 or 7).")
@click.option("--track", help="Track, e.g. \"A (Backend)\" (default: the template's).")
@click.option("--agent", help="Who works on it, e.g. backend-dev (default: the template's).")
@click.option("--estimate", help="Time estimate, e.g. \"1-2 hours\" (default: the template's).")
@click.option("--priority", metavar="P", help="p0 (most urgent) to p3; stories without one sort last.")
@click.option("--label", "labels", multiple=True, metavar="L", help="A label, one word, e.g. api (repeatable).")
@click.option("--depends", multiple=True, metavar="ID", help="A story this one needs done first (repeatable).")
@click.option("--min-tests", type=click.IntRange(min=0),
              help="Passing tests needed for green (default: the template's).")
@click.option("--var", "variables", multiple=True, metavar="KEY=VALUE", help="A template variable (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print the story instead of writing it.")
@click.pass_context
def new(ctx: click.Context, template: str, title: str, tests: tuple[str, ...], story_id: str | None,
        track: str | None, agent: str | None, estimate: str | None, depends: tuple[str, ...],
        min_tests: int | None, variables: tuple[str, ...], dry_run: bool, priority: str | None,
        labels: tuple[str, ...]) -> None:
    """Create a story from TEMPLATE and add it to the tracker.

    Prints the new file's path.  See 'storykit templates' for the templates.
    """
    from storykit.actions.new import new_story

    from pathlib import Path

    project = project_from(ctx)
    base = ctx.find_root().obj.get("directory") or Path.cwd()  # where the user typed the paths
    typed = [project.test_path(t, Path(base)) for t in tests]
    created = new_story(project, template, title, tests=typed, story_id=story_id, track=track,
                        agent=agent, estimate=estimate, depends=list(depends), variables=_parse_vars(variables),
                        min_tests=min_tests, dry_run=dry_run,
                        priority=priority, labels=list(labels))
    if dry_run:
        click.echo(created.text, nl=False)
        click.echo(f"(dry run: {project.rel(created.path)} was not written)", err=True)
    else:
        click.echo(project.rel(created.path))
