"""storykit check."""

from __future__ import annotations

import click

from storykit.cli.app import project_from
from storykit.cli.jsonflag import json_option


@click.command()
@json_option("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text: 'path:line: CODE message' lines; json: one document (= --json); github: Actions "
                   "annotations.")
@click.option("--run-commits", type=click.Choice(["strict", "warn", "off"]), default=None,
              help="Whether a run record's commit must be in HEAD's history (SK508): strict (an error), warn, "
                   "off.  Default: the run_commits setting (strict).")
@click.pass_context
def check(ctx: click.Context, fmt: str, run_commits: str | None) -> None:
    """Check every story and the tracker; the CI gate.  Changes nothing.

    \b
    Front matter valid; mandatory sections present; ids unique and matching
    file names; dependencies exist, no cycles; each status backed by the
    recorded runs (red: a failing run; green: a passing run after it; done:
    a completion); each run's commit in HEAD's history; test files
    unchanged since the passing run; no template
    placeholders left in done stories; STORY_TRACKER.md up to date.

    Exit codes: 0 no errors (warnings allowed); 1 errors found; 2 bad usage.
    """
    from storykit.cli import jsonout
    from storykit.actions.check import check as run_check

    if fmt == "json":
        jsonout.enable("check")
    project = project_from(ctx)
    report = run_check(project, run_commits)
    if jsonout.active():
        jsonout.emit("check", {"stories": report.stories, "errors": report.errors, "warnings": report.warnings,
                               "findings": [f.as_dict() for f in report.findings], "notes": report.notes},
                     ok=not report.errors)
    else:
        for finding in report.findings:
            click.echo(finding.github() if fmt == "github" else finding.text())
        for note in report.notes:  # what check could not know: said once, never a finding
            if fmt == "github":
                click.echo(f"::notice title=storykit check::{note.replace('%', '%25')}")
            else:
                click.echo(f"note: {note}", err=True)
        verdict = "failed" if report.errors else "passed"
        click.echo(f"storykit check {verdict}: {report.stories} stories, {report.errors} error(s), "
                   f"{report.warnings} warning(s)", err=True)
    if report.errors:
        ctx.exit(1)
