"""The ``--json`` flag shared by the commands that can answer in JSON (not a subcommand).

It takes no function parameter (``expose_value=False``) and is eager: as soon as
click sees it, ``storykit.cli.jsonout`` is enabled, so even a bad option parsed after it
is answered with a JSON ``error`` document.  A command then asks
``jsonout.active()`` whether to emit its document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def json_option(command: str) -> Callable[[Any], Any]:
    """``@json_option("run-tests")`` under ``@click.command()``."""

    def enable(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            from storykit.cli import jsonout

            jsonout.enable(command)

    return click.option("--json", is_flag=True, expose_value=False, is_eager=True, callback=enable,
                        help="Print one JSON document on stdout (fields: docs/json.md); "
                             "test output and messages go to stderr.")
