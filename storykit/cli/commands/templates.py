"""storykit templates."""

from __future__ import annotations

import click

from storykit.cli.app import project_from


@click.command()
@click.pass_context
def templates(ctx: click.Context) -> None:
    """List the story templates, with a one-line description of each.

    The project's own templates (in its templates/ folder) override the built-in
    ones of the same name.  Under each, the variables it reads: pass them to
    'storykit new' as --var KEY=VALUE (the others keep their [placeholder]).
    """
    from storykit.story.templates import available, variables

    project = project_from(ctx)
    found = available(project.config.templates_path)
    width = max((len(n) for n in found), default=0)
    for name, info in found.items():
        origin = "built-in" if info.builtin else "project"
        click.echo(f"{name:<{width}}  {info.description or '(no description)'}  [{origin}]")
        names = [f"{v} (required)" if v in info.required else v
                 for v in variables(info, project.config.templates_path)]
        if names:
            click.echo(f"{'':<{width}}  variables: {', '.join(names)}")
