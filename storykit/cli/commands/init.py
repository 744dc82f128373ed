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


def _setup(root: Path) -> list[str]:
    """Config, folders and tracker; returns what was created."""
    from storykit.project import config as config_mod
    from storykit.project import tracker
    from storykit.project.files import write_text_atomic
    from storykit.project.store import Project

    created: list[str] = []
    found = config_mod.find_root(root)
    if found is None or found[0] != root:
        pyproject = root / config_mod.PYPROJECT
        if pyproject.is_file():
            text = pyproject.read_bytes().decode("utf-8")  # not read_text: it would turn CRLF into LF
            config_mod.parse_toml(pyproject, text)  # refuse an invalid file before appending to it
            newline = "\r\n" if "\r\n" in text else "\n"
            if not text or text.endswith(("\n\n", "\r\n\r\n")):
                sep = ""
            else:
                sep = newline if text.endswith(("\n", "\r")) else newline * 2
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
    if f"{config.stories_dir}/" in created:
        # git keeps no empty folder: without this a fresh clone (or a branch with no
        # story yet) would have no stories/ and 'storykit new' would fail there.
        write_text_atomic(config.stories_path / ".gitkeep", "")
    readme = config.templates_path / "README.md"
    if f"{config.templates_dir}/" in created:
        write_text_atomic(readme, TEMPLATES_README)
    config.state_path.mkdir(exist_ok=True)
    # storykit's private folder ignores itself: logs and the lock never reach git.
    write_text_atomic(config.state_path / ".gitignore", "*\n")
    if tracker.write(Project(config)):
        created.append(config.tracker)
    return created


@click.command()
@click.option("--merge-driver", "driver_only", is_flag=True,
              help="Only (re-)register the tracker's git merge driver, e.g. in a fresh clone.")
@click.option("--agents", is_flag=True,
              help="Also write (or refresh) the storykit section of AGENTS.md, and of CLAUDE.md if present.")
@click.pass_context
def init(ctx: click.Context, driver_only: bool, agents: bool) -> None:
    """Make this directory a storykit project.

    Adds a [tool.storykit] table to pyproject.toml (leaving the rest of the file
    as it is) or writes storykit.toml when there is no pyproject.toml, creates
    stories/, templates/ and STORY_TRACKER.md, and registers a git merge driver
    that regenerates STORY_TRACKER.md instead of letting it conflict
    (.gitattributes, plus this clone's .git/config: a fresh clone needs
    'storykit init --merge-driver' once).  Safe to run again.
    """
    from storykit.project import config as config_mod
    from storykit import git
    from storykit.actions import merge_tracker as mergedriver

    root = (ctx.find_root().obj.get("directory") or Path.cwd()).resolve()
    created = [] if driver_only else _setup(root)
    config = config_mod.load(root)
    registered, skipped = mergedriver.register(config)
    created += registered
    if agents:
        from storykit.actions import agents as agents_mod

        created += agents_mod.write(config, git.toplevel(config.root) or config.root)
    if skipped:
        click.echo(f"Merge driver not registered: {skipped}", err=True)
    if created:
        click.echo(f"Initialised storykit in {config.root}: {', '.join(created)}")
    else:
        click.echo(f"storykit is already set up in {config.root}; nothing to do")
    if not driver_only:
        click.echo("Next: storykit templates, then storykit new TEMPLATE --title \"...\" --tests PATH")
