"""storykit check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from storykit.cli.app import keep, project_from
from storykit.cli.jsonflag import json_option

if TYPE_CHECKING:
    from storykit.actions.check import Report


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
    keep(report)  # (its stories are freed by the end of the process, not one by one)
    if jsonout.active():
        jsonout.write(document(report))
    else:
        lines = [f.github() for f in report.findings] if fmt == "github" else [f.text() for f in report.findings]
        if lines:  # one write, not one (flushed) echo per finding: tens of thousands in a big project
            click.echo("\n".join(lines))
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


_FINDINGS = "\0findings\0"  # where the findings go in the document (the first string value there can be)


def document(report: Report) -> str:
    """check's JSON document, exactly as ``jsonout.emit`` encodes it (indented): the
    findings, tens of thousands in a big project, written by C's string escaping
    instead of json's pure-Python indenting encoder (ten times faster)."""
    import json
    from json.encoder import encode_basestring

    from storykit.cli import jsonout

    data = {"stories": report.stories, "errors": report.errors, "warnings": report.warnings,
            "findings": _FINDINGS, "notes": report.notes}
    found = report.findings
    if not found or not all(type(f.path) is str and type(f.line) is int and type(f.code) is str
                            and type(f.severity) is str and type(f.message) is str for f in found):
        data["findings"] = [f.as_dict() for f in found]
        return json.dumps(jsonout.document("check", data, ok=not report.errors), ensure_ascii=False, indent=2)
    esc = encode_basestring
    items = ",\n".join(f'    {{\n      "path": {esc(f.path)},\n      "line": {int.__repr__(f.line)},\n'
                       f'      "code": {esc(f.code)},\n      "severity": {esc(f.severity)},\n'
                       f'      "message": {esc(f.message)}\n    }}' for f in found)
    text = json.dumps(jsonout.document("check", data, ok=not report.errors), ensure_ascii=False, indent=2)
    return text.replace(json.dumps(_FINDINGS), f"[\n{items}\n  ]", 1)
