"""storykit hook (normally answered before click starts: storykit.__main__)."""

from __future__ import annotations

import click


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("tool")
@click.argument("event")
@click.pass_context
def hook(ctx: click.Context, tool: str, event: str) -> None:
    """Answer one agent-tool hook: read the tool's JSON on stdin, reply in its form.

    \b
    TOOL:  claude, codex, cursor, gemini
    EVENT: session-start  the prime: the active story, its next command, the ready
                          stories, the rules of the cycle
           pre-edit       the TDD guard: denies implementation edits before the
                          active story's tests have failed, and any hand edit of
                          what storykit owns in a story
           stop           reminds the agent, once, to complete a finished story or
                          to re-record stale evidence

    'storykit setup TOOL' installs these hooks.  A broken input never blocks the
    agent: it is allowed, with one line on stderr, exit 0.
    """
    from storykit.hooks.run import main

    ctx.exit(main([tool, event]))
