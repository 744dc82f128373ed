"""The measurements a story shows (storykit.story.measurements): the storykit-owned
region of Index Performance Validation, the items storykit ticks from them, and the
Test Results part for a story without the region."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storykit.core import measure
from storykit.core.measure import Metric
from storykit.errors import StorykitError
from storykit.story import measurements, regions
from storykit.story.markdown import split_lines

BODY = """\
## Acceptance Criteria

### Performance
- [ ] Indexes optimize common queries
- [ ] No performance degradation <!-- storykit:no-degradation -->
- [x] Query execution time measured <!-- storykit:measured -->

## Test Results (MANDATORY)

pending

## Index Performance Validation

**Indexes Created**:
- `by_tag` → Used by lookupByTag

**Query Performance** (before/after):
<!-- storykit:measurements:start -->
- Pending: written by storykit.
<!-- storykit:measurements:end -->

My own notes stay.\r
"""


def _runs(before: float | None, after: float | None, unit: str = "ms") -> dict:
    runs = {}
    for phase, value in (("red", before), ("green", after)):
        if value is not None:
            runs[phase] = {"benchmarks": measure.record(["python bench.py"], [Metric("lookup by tag", unit, value,
                                                                                   (value,) * 5)],
                                                        repeats=5, statistic="median", margin=10)}
    return {"id": "STORY-001", "runs": runs}


def _region(body: str) -> str:
    return body.split(measurements.START + "\n", 1)[1].split(measurements.END, 1)[0]


def test_the_region_holds_the_real_table_and_nothing_outside_it_changes() -> None:
    body = measurements.fill(BODY, _runs(120.0, 3.1))
    assert _region(body) == ("\n_Measured by storykit (median of 5 runs of each benchmark command: before with the "
                             "red run, after with the green run); do not edit by hand._\n\n"
                             "- lookup by tag: 120.0 ms → 3.1 ms (improvement: 97%)\n\n")
    start, end = body.index(measurements.START), body.index(measurements.END)
    assert body[:start] == BODY[:BODY.index(measurements.START)]
    assert body[end:] == BODY[BODY.index(measurements.END):]
    assert measurements.fill(body, _runs(120.0, 3.1)) == body  # the same evidence, the same bytes


def test_before_the_green_run_the_after_column_is_pending() -> None:
    assert "- lookup by tag: 120.0 ms → pending (measured with the green run)\n" in \
        _region(measurements.fill(BODY, _runs(120.0, None)))


def test_without_benchmark_records_the_region_says_not_measured() -> None:
    assert "- Not measured: no `benchmarks:` commands ran with the red and green runs" in \
        _region(measurements.fill(BODY, {"id": "STORY-001", "runs": {"red": {}}}))


def test_a_degradation_is_a_warning_line() -> None:
    region = _region(measurements.fill(BODY, _runs(10.0, 20.0)))
    assert "- lookup by tag: 10.0 ms → 20.0 ms (slower: 100%)\n" in region
    assert "- ⚠️ Performance degradation: lookup by tag got 100% worse (margin: 10%)\n" in region


def test_measured_and_no_degradation_are_ticked_from_the_evidence_only() -> None:
    good = measurements.tick(BODY, _runs(120.0, 3.1))
    assert "- [x] No performance degradation <!-- storykit:no-degradation -->\n" in good
    assert "- [x] Query execution time measured <!-- storykit:measured -->\n" in good
    bad = measurements.tick(good, _runs(10.0, 20.0))
    assert "- [ ] No performance degradation <!-- storykit:no-degradation -->\n" in bad
    assert "- [x] Query execution time measured <!-- storykit:measured -->\n" in bad
    pending = measurements.tick(good, _runs(120.0, None))
    assert "- [ ] Query execution time measured <!-- storykit:measured -->\n" in pending
    assert "- [ ] Indexes optimize common queries\n" in pending  # a person's item is never touched


def test_a_region_that_is_not_closed_is_refused_before_any_run() -> None:
    broken = BODY.replace(measurements.END + "\n", "")
    with pytest.raises(StorykitError, match=r"^STORY-001: the measurements region \(.*\) is never closed; "):
        measurements.require("STORY-001", broken)
    measurements.require("STORY-001", BODY)
    measurements.require("STORY-001", "no region at all\n")


def test_a_story_without_the_region_shows_the_measurements_in_test_results() -> None:
    body = "## Test Results (MANDATORY)\n\nold\n\n## Completion Checklist\n"
    meta = {**_runs(120.0, 3.1), "status": "green"}
    rendered = regions.test_results("STORY-001", body, meta, {})
    assert "**Measurements** (before → after)\n" in rendered
    assert "- lookup by tag: 120.0 ms → 3.1 ms (improvement: 97%)\n" in rendered
    with_region = regions.test_results("STORY-001", BODY, meta, {})
    assert "**Measurements**" not in with_region


_METAS = [{}, {"runs": {}}, {"runs": {"red": {}}}, _runs(12.0, 9.5), _runs(12.0, None), _runs(3.0, 4.0, "s")]


@st.composite
def _region_bodies(draw: st.DrawFn) -> tuple[str, dict]:
    """A body of lines around the region's marks (each maybe indented, with other text, or
    twice), what storykit renders between them (maybe edited), and any line ends."""
    meta = draw(st.sampled_from(_METAS))
    rendered = ["", *measurements.lines(meta), ""] if meta.get("runs") else ["- Pending: written by storykit."]
    space = st.sampled_from(["", " ", "\t", "  \x0c", "\u2028", "\xa0"])
    mark = st.builds(lambda before, m, after: before + m + after, space,
                     st.sampled_from([measurements.START, measurements.END]), space)
    region = [measurements.START, *rendered, measurements.END]
    piece = st.one_of(mark, st.just(rendered), st.just(region), st.text(st.sampled_from("ab -<!>#\u2028"), max_size=8),
                      st.sampled_from([f"x {measurements.START}", measurements.START + measurements.END,
                                       measurements.START[:30], "- [ ] item", "## Query Performance"]))
    lines: list[str] = []
    for item in draw(st.lists(piece, max_size=12)):
        lines += item if isinstance(item, list) else [item]
    ends = draw(st.lists(st.sampled_from(["\n"] * 8 + ["\r\n", "\r"]), min_size=len(lines),
                         max_size=len(lines)))
    body = "".join(line + end for line, end in zip(lines, ends, strict=True))
    if lines and draw(st.booleans()):
        body = body[:-len(ends[-1])]  # no line end after the last line
    return body, meta


@settings(max_examples=600)
@given(_region_bodies())
def test_the_region_found_in_the_text_is_the_region_found_line_by_line(case: tuple[str, dict]) -> None:
    body, meta = case
    assert measurements.region_problem_in(body, meta) == measurements.region_problem(split_lines(body), meta)


def test_a_region_as_storykit_writes_it_is_no_problem_and_an_edited_one_is_named_by_its_line() -> None:
    meta = _runs(12.0, 9.5)
    written = measurements.fill(BODY.replace("\r", ""), meta)
    assert measurements.region_problem_in(written, meta) is None
    edited = written.replace("lookup by tag", "lookup by tags", 1)
    start = split_lines(edited).index(measurements.START + "\n")
    assert measurements.region_problem_in(edited, meta) == start == measurements.region_problem(
        split_lines(edited), meta)


@settings(max_examples=600)
@given(_region_bodies())
def test_the_region_found_from_the_outlines_marks_is_the_region_found_line_by_line(case: tuple[str, dict]) -> None:
    """check hands region_problem_in the marks its one pass over the body found."""
    from storykit.story import outline

    assert outline.MARKS == (measurements.START, measurements.END)  # the outline's own copy of the marks
    body, meta = case
    body = body.replace("\r\n", "\n").replace("\r", "\n")  # (the one pass is the path of LF texts)
    expected = measurements.region_problem(split_lines(body), meta)
    assert measurements.region_problem_in(body, meta, outline.Outline(body).marks) == expected
