"""storykit show."""

from __future__ import annotations

import click

from storykit.cli.app import project_from, warner
from storykit.cli.jsonflag import json_option
from storykit.core.settings import resolve


def summary_lines(project, story) -> list[str]:  # type: ignore[no-untyped-def]
    """What `show` prints: state, plan, and each recorded run in one line."""
    from storykit.story import regions
    from storykit.story.evidence import shown_time
    from storykit.core.workflow import LABELS

    meta = story.meta
    lines = [
        f"{story.id}: {story.title}",
        f"  File:         {project.rel(story.path)}",
        f"  Status:       {LABELS.get(story.status, story.status)}",
        f"  Template:     {meta.get('template')}",
        f"  Track/Agent:  {meta.get('track')} / {meta.get('agent')}",
        f"  Estimate:     {meta.get('estimate')}" + (f" (actual: {meta['actual']})" if meta.get("actual") else ""),
        *([f"  Priority:     {meta.get('priority') or '-'}; labels: {', '.join(meta.get('labels') or []) or '-'}"]
          if meta.get("priority") or meta.get("labels") else []),
        f"  Dependencies: {regions.dependencies_line(meta.get('dependencies') or [])}",
        f"  Blocks:       {regions.blocks_line(project.blocks(story.id))}",
        f"  Tests:        {', '.join(meta.get('tests') or []) or 'marked @pytest.mark.story(' + story.id + ')'}"
        f" (at least {resolve(meta, project.config).min_tests} to pass)",
        f"  Command:      {_command(project, story)}",
        *_benchmark_lines(project, story),
    ]
    for phase in ("red", "green", "validate", "final"):
        run = story.runs.get(phase)
        if run:
            counts = ", ".join(f"{n} {o}" for o, n in (run.get("counts") or {}).items()) or "no tests"
            commit = f" at {run['commit'][:10]}" if run.get("commit") else ""
            lines.append(f"  {phase.capitalize() + ' run:':<14}{shown_time(run.get('at'))}{commit}: {counts}")
    if meta.get("completed"):
        lines.append(f"  Completed:    {shown_time(meta['completed'])} by {meta.get('completed_by')}")
    if meta.get("closed_as"):
        from storykit.actions.close import how

        lines.append(f"  Closed:       {how(str(meta['closed_as']), meta.get('duplicate_of'))}: "
                     f"{meta.get('closed_reason')}")
    if story.status not in ("done", "closed"):
        left = _unticked(story.body)
        if left:
            lines.append("  Unticked items (a person ticks these before complete):")
            lines += [f"    {item['number']}. {item['section']}: {item['item']}" for item in left]
        else:
            lines.append("  Unticked items: none")
    lines.append(f"  Next:         {_next_step(story.id, story.status)}")
    return lines


def _command(project, story) -> str:  # type: ignore[no-untyped-def]
    """The exact command 'run-tests' will execute (the string it records), and whose it is."""
    from storykit.actions.run_tests import shown_command
    from storykit.errors import StorykitError

    try:
        shown = shown_command(project, story)
    except StorykitError as exc:  # a custom test_command with no tests listed
        return f"none: {exc}"
    return shown + (" (the story's own test_command)" if story.meta.get("test_command") else "")


def _benchmarks(project, story) -> dict | None:  # type: ignore[no-untyped-def]
    """The benchmark commands 'run-tests' runs with the red and the green run, and whose they are."""
    from storykit.actions.measure import commands

    listed = commands(project, story.meta)
    if not listed:
        return None
    config = project.config
    return {"commands": listed, "own": bool(story.meta.get("benchmarks")), "repeats": config.benchmark_repeats,
            "statistic": config.benchmark_statistic}


def _benchmark_lines(project, story) -> list[str]:  # type: ignore[no-untyped-def]
    """What runs is visible: the benchmark commands, then what they measured."""
    from storykit.core import measure

    found = _benchmarks(project, story)
    measured = measure.comparisons(story.runs)
    if found is None and not measured:
        return []
    lines = []
    if found is not None:
        whose = "the story's own" if found["own"] else "the config's"
        lines.append(f"  Benchmarks:   {'; '.join(found['commands'])} ({whose}; {found['statistic']} of "
                     f"{found['repeats']} runs)")
    else:
        lines.append("  Benchmarks:   none listed now; recorded with the runs:")
    if "green" in story.runs:
        lines += [f"    {measure.line(c)}" for c in measured]
    else:
        lines += [f"    {m.name}: {measure.value_text(m)} → pending"
                  for m in measure.metrics((story.runs.get("red") or {}).get("benchmarks"))]
    return lines


def _next_step(story_id: str, status: str) -> str:
    return {
        "not-started": f"write failing tests, then 'storykit run-tests {story_id}'",
        "red": f"implement until the tests pass, then 'storykit run-tests {story_id}'",
        "green": f"tick the checklists, then 'storykit complete {story_id}'",
        "validated": f"'storykit complete {story_id}'",
        "done": "nothing: the story is done",
        "closed": "nothing: the story is closed",
    }[status]


def _unticked(body: str) -> list[dict[str, object]]:
    """The items a person must still tick, with the number 'storykit tick' takes."""
    from storykit.story import regions

    return [{"number": item.number, "section": item.section, "item": item.text}
            for item in regions.checklist(body) if not item.checked and item.phase is None]


def as_json(project, story) -> dict:  # type: ignore[no-untyped-def]
    """The ``show --json`` document's fields (docs/json.md)."""
    from storykit.cli import jsonout

    fields = jsonout.story_fields(project, story.path, story.meta)
    fields.update({
        "completed_by": story.meta.get("completed_by"),
        "runs": {phase: jsonout.recorded_run(run) for phase, run in story.runs.items()},
        "unticked": _unticked(story.body),
        "next": _next_step(story.id, story.status),
        "warnings": [project.relative_text(warning) for warning in story.warnings],
    })
    benchmarks = _benchmarks(project, story)
    if benchmarks is not None:  # only for a story that has benchmark commands (docs/json.md)
        fields["benchmarks"] = benchmarks
    return {"story": fields}


@click.command()
@json_option("show")
@click.argument("story")
@click.pass_context
def show(ctx: click.Context, story: str) -> None:
    """Show one STORY's state and a summary of its evidence."""
    from storykit.cli import jsonout

    project = project_from(ctx)
    loaded = project.load(story)
    for warning in loaded.warnings:
        warner(project)(warning)
    if jsonout.active():
        jsonout.emit("show", as_json(project, loaded))
        return
    click.echo("\n".join(summary_lines(project, loaded)))
