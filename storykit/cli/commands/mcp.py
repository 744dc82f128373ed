"""storykit mcp."""

from __future__ import annotations

import click

from storykit.errors import StorykitError


@click.command()
@click.pass_context
def mcp(ctx: click.Context) -> None:
    """Serve the agent's cycle as an MCP server over stdio.

    \b
    Tools: next, show, run_tests, tick, note, complete, check; each answers
    with the CLI's --json document.  Needs the mcp extra:
      pip install 'storykit[mcp]'
    Claude Code:  claude mcp add storykit -- storykit mcp
    """
    try:
        import mcp as _sdk  # noqa: F401 - only: is the extra installed?
    except ImportError:
        raise StorykitError("the MCP server needs the mcp extra: pip install 'storykit[mcp]'") from None
    from storykit.cli.mcp_server import server

    server(ctx.find_root().obj.get("directory")).run()
