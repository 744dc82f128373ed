"""The measurements a story shows: the storykit-owned region of its Index
Performance Validation section, the checklist items storykit ticks from them, and,
for a story without that region, a part of Test Results.

The region is the lines between ``<!-- storykit:measurements:start -->`` and
``<!-- storykit:measurements:end -->`` (the schema-migration template has it);
every byte outside it is the user's.  The items tagged ``<!-- storykit:measured -->``
("Query execution time measured") and ``<!-- storykit:no-degradation -->`` ("No
performance degradation") are ticked, or unticked, from the recorded runs alone.
"""

from __future__ import annotations

from typing import Any

from storykit.core import measure
from storykit.errors import StorykitError
from storykit.story.markdown import Document, replace_lines, split_lines, tick as tick_line, untick

START = "<!-- storykit:measurements:start -->"
END = "<!-- storykit:measurements:end -->"
MEASURED = "<!-- storykit:measured -->"
NO_DEGRADATION = "<!-- storykit:no-degradation -->"
_NOT_MEASURED = ("- Not measured: no `benchmarks:` commands ran with the red and green runs (list them in the "
                 "story's front matter or the config's `benchmarks`, and storykit measures them before and after)")


def _span(story_id: str, body: str) -> tuple[int, int] | None:
    """The region's marker lines (start, end), or None when the story has none."""
    if START not in body:
        return None
    doc = Document(body)
    # A marker is an HTML comment (an HTML block to the parser): only fenced code hides it.
    fenced = {line for _, _, first, last in doc.fences for line in range(first, last)}
    starts = [i for i, line in enumerate(doc.lines) if line.strip() == START and i not in fenced]
    ends = [i for i, line in enumerate(doc.lines) if line.strip() == END and i not in fenced]
    if not starts:
        return None
    hint = (f"keep one '{START}' line and one '{END}' line after it (see the schema-migration template), "
            "or delete both; then run again")
    if len(starts) > 1 or len(ends) > 1:
        raise StorykitError(f"{story_id}: the measurements region ({START}) is there more than once", hint=hint)
    if not ends or ends[0] < starts[0]:
        raise StorykitError(f"{story_id}: the measurements region ({START}) is never closed", hint=hint)
    return starts[0], ends[0]


def require(story_id: str, body: str) -> None:
    """Refuse (before any run) a region that storykit could not rewrite safely."""
    _span(story_id, body)


def has_region(body: str) -> bool:
    try:
        return _span("", body) is not None
    except StorykitError:
        return False


def _recorded(meta: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
    found = meta.get("runs")
    runs: dict[str, Any] = found if isinstance(found, dict) else {}
    red, green = runs.get("red"), runs.get("green")
    before = red.get("benchmarks") if isinstance(red, dict) else None
    after = green.get("benchmarks") if isinstance(green, dict) else None
    return runs, before if isinstance(before, dict) else None, after if isinstance(after, dict) else None


def lines(meta: dict[str, Any]) -> list[str]:
    """The measurements as Markdown lines: how they were taken, one line per metric,
    and a ⚠️ line per degradation."""
    runs, before, after = _recorded(meta)
    if before is None and after is None:
        return [_NOT_MEASURED]
    used = after or before or {}
    how = (f"_Measured by storykit ({used.get('statistic', 'median')} of {used.get('repeats', 1)} runs of each "
           "benchmark command: before with the red run, after with the green run); do not edit by hand._")
    out = [how, ""]
    if "green" not in runs:
        out += [f"- {m.name}: {measure.value_text(m)} → pending (measured with the green run)"
                for m in measure.metrics(before)]
        return out
    found = measure.comparisons(runs)
    out += [f"- {measure.line(c)}" for c in found]
    out += [f"- ⚠️ Performance degradation: {measure.warning(c)}" for c in found if c.degraded]
    return out


def fill(body: str, meta: dict[str, Any]) -> str:
    """The body with its measurements region rendered from ``meta`` (unchanged when it
    has none)."""
    span = _span(str(meta.get("id", "")), body)
    if span is None:
        return body
    start, end = span
    return replace_lines(body, start + 1, end, "\n" + "\n".join(lines(meta)) + "\n\n")


def tick(body: str, meta: dict[str, Any]) -> str:
    """Tick the items storykit verifies from the measurements, untick them when the
    evidence no longer holds: measured (every metric before and after) and no
    degradation (measured, none worse beyond the margin)."""
    if MEASURED not in body and NO_DEGRADATION not in body:
        return body
    runs = meta.get("runs")
    measured = measure.all_measured(runs)
    wanted = {MEASURED: measured, NO_DEGRADATION: measured and not measure.degradations(runs)}
    doc = Document(body)
    out = split_lines(body)
    for box in doc.checkboxes():
        for marker, checked in wanted.items():
            if marker in out[box.line]:
                out[box.line] = tick_line(out[box.line]) if checked else untick(out[box.line])
    return "".join(out)


def update(body: str, meta: dict[str, Any]) -> str:
    """The region and the tagged items, after a run recorded in ``meta``."""
    return tick(fill(body, meta), meta)


def region_problem(body_lines: list[str], meta: dict[str, Any]) -> int | None:
    """The line (index into ``body_lines``) of a measurements region that does not say
    what storykit renders from the recorded runs (edited by hand), or None.  A story
    with no run yet keeps its template text; a broken region is refused by every run."""
    runs = meta.get("runs")
    if not isinstance(runs, dict) or not runs:
        return None
    marks = [i for i, line in enumerate(body_lines) if line.strip() in (START, END)]
    if len(marks) != 2 or body_lines[marks[0]].strip() != START:
        return None
    start, end = marks
    found = "".join(body_lines[start + 1:end]).replace("\r\n", "\n").replace("\r", "\n")
    return None if found == "\n" + "\n".join(lines(meta)) + "\n\n" else start


def region_problem_in(body: str, meta: dict[str, Any],
                      marks: list[tuple[int, int, str]] | None = None) -> int | None:
    """``region_problem(split_lines(body), meta)``, found in the text when only \n ends
    its lines (what storykit writes): the marks by ``str.find``, never a strip of every
    line (``storykit check`` asks it of every story with the region, and hands it the
    ``marks`` its outline's one pass found: ``Outline(body).marks``).  Other text takes
    the line-by-line path (``tests/story/test_measurements.py`` proves them equal)."""
    if "\r" in body:
        return region_problem(split_lines(body), meta)
    runs = meta.get("runs")
    if not isinstance(runs, dict) or not runs:
        return None
    if marks is not None:
        return _region_problem_at(body, meta, marks)
    marks = []  # (line start, line end after its \n, mark) of each mark line
    for mark in (START, END):
        at = body.find(mark)
        while at >= 0:
            start = body.rfind("\n", 0, at) + 1
            stop = body.find("\n", at)
            stop = len(body) if stop < 0 else stop + 1
            if body[start:stop].strip() == mark:
                marks.append((start, stop, mark))
            at = body.find(mark, stop)  # the rest of this line is not its mark alone
    return _region_problem_at(body, meta, marks)


def _region_problem_at(body: str, meta: dict[str, Any], marks: list[tuple[int, int, str]]) -> int | None:
    if len(marks) != 2:
        return None
    (first, after, mark), (before, _, _) = sorted(marks)
    if mark != START:
        return None
    found = body[after:before]
    return None if found == "\n" + "\n".join(lines(meta)) + "\n\n" else body.count("\n", 0, first)


def results_part(meta: dict[str, Any]) -> list[str]:
    """Test Results' part for a story without the region: the same lines, when any
    benchmark was recorded."""
    _, before, after = _recorded(meta)
    if before is None and after is None:
        return []
    return ["", "**Measurements** (before → after)", "", *lines(meta)]
