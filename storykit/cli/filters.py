"""The filters 'list' and 'next' share, defined once (not a subcommand)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from storykit.core.workflow import STATUSES


def _priorities(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[str]:
    from storykit.core import fields
    from storykit.errors import StorykitError

    try:
        return [fields.priority(value) for value in values]
    except StorykitError as exc:
        raise click.BadParameter(exc.message, ctx, param) from None


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--status``, ``--label``, ``--agent``, ``--priority``: passed on as ``filters``."""
    options = [
        click.option("--status", type=click.Choice(STATUSES), help="Only stories in this status."),
        click.option("--label", "label", multiple=True, metavar="L",
                     help="Only stories with this label (repeatable: all of them)."),
        click.option("--agent", metavar="A", help="Only stories of this agent."),
        click.option("--priority", "priority", multiple=True, metavar="P", callback=_priorities,
                     help="Only stories of this priority, p0..p3 (repeatable: any of them)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def describe(status: str | None, label: tuple[str, ...], agent: str | None, priority: list[str]) -> str:
    """`` with label api, priority p1`` for messages; empty without filters."""
    parts = [f"status {status}"] if status else []
    parts += [f"label {', '.join(label)}"] if label else []
    parts += [f"agent {agent}"] if agent else []
    parts += [f"priority {' or '.join(priority)}"] if priority else []
    return f" with {', '.join(parts)}" if parts else ""
