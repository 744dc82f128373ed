"""storykit init."""

from __future__ import annotations

from pathlib import Path

import click

TEMPLATES_README = """\
# Story templates

Templates here override or add to storykit's built-in ones (`storykit templates`
lists them all). A template is `NAME.md.j2`, a Jinja2 file; start from a built-in
one, which extends the shared `_story.md.j2` layout and fills its blocks.
"""


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Make this directory a storykit project.

    Adds a [tool.storykit] table to pyproject.toml (leaving the rest of the file
    as it is) or writes storykit.toml when there is no pyproject.toml, and
    creates stories/, templates/ and STORY_TRACKER.md.  Safe to run again.
    """
    from storykit import config as config_mod
    from storykit import tracker
    from storykit.fsutil import write_text_atomic
    from storykit.project import Project

    root = (ctx.find_root().obj.get("directory") or Path.cwd()).resolve()
    created: list[str] = []
    found = config_mod.find_root(root)
    if found is None or found[0] != root:
        pyproject = root / config_mod.PYPROJECT
        if pyproject.is_file():
            text = pyproject.read_bytes().decode("utf-8")  # not read_text: it would turn CRLF into LF
            newline = "\r\n" if "\r\n" in text else "\n"
            sep = "" if not text or text.endswith(("\n\n", "\r\n\r\n")) else (newline if text.endswith(("\n", "\r")) else newline * 2)
            table = "[tool.storykit]\n" + config_mod.default_table()
            write_text_atomic(pyproject, text + sep + table.replace("\n", newline))
            created.append("[tool.storykit] in pyproject.toml")
        else:
            write_text_atomic(root / config_mod.STORYKIT_TOML, config_mod.default_table())
            created.append(config_mod.STORYKIT_TOML)
    config = config_mod.load(root)
    for folder in (config.stories_path, config.templates_path):
        if not folder.is_dir():
            folder.mkdir(parents=True)
            created.append(f"{folder.relative_to(root).as_posix()}/")
    readme = config.templates_path / "README.md"
    if f"{config.templates_dir}/" in created:
        write_text_atomic(readme, TEMPLATES_README)
    config.state_path.mkdir(exist_ok=True)
    # storykit's private folder ignores itself: logs and the lock never reach git.
    write_text_atomic(config.state_path / ".gitignore", "*\n")
    project = Project(config)
    if tracker.write(project):
        created.append(config.tracker)
    if created:
        click.echo(f"Initialised storykit in {root}: {', '.join(created)}")
    else:
        click.echo(f"storykit is already set up in {root}; nothing to do")
    click.echo("Next: storykit templates, then storykit new TEMPLATE --title \"...\" --tests PATH")
