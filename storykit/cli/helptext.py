"""``storykit --help`` without importing click: the top-level help, pre-rendered.

click and the command modules cost ~35 ms against a ~10 ms interpreter start
(docs/performance.md), and the top-level help is what people and agents ask for
most.  The texts below are click's own output for the widths help is usually
read at: a pipe or an 80-column terminal (78) and a terminal of 100 columns or
more (98).  At any other width, click renders the help as usual.

The texts are data, generated into storykit/cli/helptexts.py by an explicit step:
after changing a command's docstring, an option of the group or the COMMANDS
table, run ``python -m storykit.cli.build_helptexts``.  tests/test_helptext.py
fails while they differ from click's output.
"""

from __future__ import annotations

import os
import sys

from storykit.cli.helptexts import TEXTS

__all__ = ["HELP_ARGS", "MAX_CONTENT_WIDTH", "TEXTS", "fast_help", "render", "width"]

MAX_CONTENT_WIDTH = 100  # the group's context_settings (storykit.cli.app)
HELP_ARGS = (["--help"], ["-h"])


def width() -> int:
    """The width click would format help at: shutil.get_terminal_size's rule
    (COLUMNS, else the terminal, else 80), capped by max_content_width, minus 2."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(min(columns, MAX_CONTENT_WIDTH) - 2, 50)


def fast_help(args: list[str]) -> str | None:
    """The pre-rendered help when ``args`` asks for exactly the top-level help at a
    width rendered in advance; None when click must render it."""
    if args not in HELP_ARGS:
        return None
    return TEXTS.get(width())


def render(at: int) -> str:
    """The top-level help as click prints it at width ``at`` (with the final newline)."""
    import click
    from click import formatting

    from storykit.cli.app import cli

    saved = formatting.FORCED_WIDTH
    formatting.FORCED_WIDTH = at
    try:
        with click.Context(cli, info_name="storykit", **cli.context_settings) as ctx:
            return ctx.get_help() + "\n"
    finally:
        formatting.FORCED_WIDTH = saved
