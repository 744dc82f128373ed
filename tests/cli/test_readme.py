"""The README's command reference, option by option, against the click commands themselves.

Each visible command has one row in the README's "## Commands" table whose first cell
is its synopsis (`storykit NAME ARGS [--option VALUE]...`); every option of the click
command appears in that cell by one of its spellings, and the cell names no option the
command lacks.  The table stays prose written for people (what each command does), and
this test keeps its synopses true."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from storykit.cli.app import COMMANDS, cli

README = Path(__file__).resolve().parents[2] / "README.md"
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def commands_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]


def rows() -> dict[str, str]:
    """command name -> the synopsis cell of its row (without the backticks)."""
    found: dict[str, str] = {}
    for line in commands_section().splitlines():
        match = re.match(r"\| `storykit ([a-z-]+)([^`]*)` \|", line)
        if match:
            found[match.group(1)] = f"storykit {match.group(1)}{match.group(2)}"
    return found


def command(name: str) -> click.Command:
    found = cli.get_command(click.Context(cli), name)
    assert found is not None, name
    return found


def spellings(option: click.Option) -> list[str]:
    return [*option.opts, *option.secondary_opts]


VISIBLE = [name for name in COMMANDS if not command(name).hidden]


def missing_options(name: str, synopsis: str) -> list[str]:
    shown = set(OPTION.findall(synopsis.split(" -- ", 1)[0]))  # after ' -- ' come the test runner's own args
    return [" / ".join(spellings(p)) for p in command(name).params
            if isinstance(p, click.Option) and not p.hidden and not shown & set(spellings(p))]


def unknown_options(name: str, synopsis: str) -> list[str]:
    known = {s for p in command(name).params if isinstance(p, click.Option) for s in spellings(p)} | {"--help", "-h"}
    return sorted(set(OPTION.findall(synopsis.split(" -- ", 1)[0])) - known)


def test_every_visible_command_has_one_row() -> None:
    table = rows()
    missing = [name for name in VISIBLE if name not in table]
    assert not missing, "README.md's command table has no row for " + ", ".join(f"`storykit {n} ...`" for n in missing)
    hidden = sorted(set(table) - set(VISIBLE))
    assert not hidden, f"README.md's command table has rows for commands that are hidden or gone: {hidden}"


@pytest.mark.parametrize("name", VISIBLE)
def test_every_option_is_in_the_commands_row(name: str) -> None:
    synopsis = rows().get(name)
    assert synopsis is not None, f"README.md's command table has no row for `storykit {name} ...`"
    missing = missing_options(name, synopsis)
    assert not missing, (f"README.md, the row `{synopsis}` lacks {', '.join(missing)}: add each to the row's first "
                         f"cell, e.g. [{missing[0].split(' / ')[-1]}]")
    unknown = unknown_options(name, synopsis)
    assert not unknown, f"README.md, the row `{synopsis}` names {', '.join(unknown)}, which `storykit {name}` has not"


def test_global_options_are_listed() -> None:
    line = next(line for line in commands_section().splitlines() if line.startswith("IDs are accepted"))
    following = commands_section().split(line, 1)[1].split("\n\n", 1)[0]
    shown = set(OPTION.findall(line + following))
    missing = [" / ".join(spellings(p)) for p in cli.params
               if isinstance(p, click.Option) and not p.hidden and not shown & set(spellings(p))]
    assert not missing, f"README.md's global options (above the command table) lack {', '.join(missing)}"


def test_a_missing_option_is_named_with_its_row() -> None:
    """What another branch sees when it adds an option and forgets the README."""
    assert missing_options("tracker", "storykit tracker") == ["--check"]
    assert missing_options("run-tests", "storykit run-tests STORY [--timeout S] [--force] [--commit] [--json] "
                                        "[-- PYTEST ARGS --made-up]") == []
    assert unknown_options("tracker", "storykit tracker [--check] [--all]") == ["--all"]
