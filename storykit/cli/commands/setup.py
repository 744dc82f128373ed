"""storykit setup."""

from __future__ import annotations

from pathlib import Path

import click

from storykit.cli.app import project_from

NEXT_STEPS = {
    "claude": "Claude Code reads .claude/settings.json at its next start ('/hooks' lists them).",
    "codex": "Codex runs project hooks only once you trust them: start codex here, trust the project's .codex/ "
             "layer and review each storykit hook in '/hooks'.",
    "cursor": "Cursor reads .cursor/hooks.json and .cursor/rules/ at its next start (Settings > Hooks lists them).",
    "gemini": "Gemini CLI reads .gemini/settings.json at its next start ('/hooks' lists them).",
}


@click.command()
@click.argument("tool", type=click.Choice(["claude", "codex", "cursor", "gemini"]))
@click.option("--dry-run", is_flag=True, help="Print the change as a unified diff per file; write nothing.")
@click.pass_context
def setup(ctx: click.Context, tool: str, dry_run: bool) -> None:
    """Install storykit into an agent tool's project configuration.

    \b
    claude  .claude/settings.json: hooks SessionStart, PreToolUse, Stop
    codex   .codex/hooks.json: hooks SessionStart, PreToolUse (apply_patch), Stop
    cursor  .cursor/hooks.json: sessionStart, preToolUse, stop; .cursor/rules/storykit.mdc
    gemini  .gemini/settings.json: SessionStart, BeforeTool, AfterAgent; GEMINI.md

    Each also gets the storykit section of AGENTS.md (and of CLAUDE.md when it
    exists).  storykit's hook entries are added only where they are missing; every
    other setting and hook is kept.  Running it again changes nothing.  A settings
    file that is not valid JSON is refused (exit 2) and left as it is.
    """
    from storykit import git
    from storykit.actions import setup as setup_mod

    project = project_from(ctx)
    top = git.toplevel(project.root) or project.root
    changes = setup_mod.plan(tool, project.config, Path(top))
    pending = [change for change in changes if change.changed]
    name = setup_mod.NAMES[tool]
    if not pending:
        click.echo(f"storykit is already set up for {name} in {top}; nothing to do")
        return
    if dry_run:
        click.echo("".join(change.diff() for change in pending), nl=False)
        click.echo(f"Dry run: {len(pending)} file(s) would change; nothing was written.", err=True)
        return
    written = setup_mod.apply(changes)
    click.echo(f"Set up storykit for {name} in {top}: {', '.join(written)}")
    click.echo(f"Next: {NEXT_STEPS[tool]} Then claim a story with 'storykit start ID'.")
