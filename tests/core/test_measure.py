"""The pure rules of before/after measurements (storykit.core.measure): reading
`NAME: VALUE UNIT` lines and pytest-benchmark JSON, the statistic over repeats,
units, and the comparison a story shows."""

from __future__ import annotations

import pytest

from storykit.core import measure
from storykit.core.measure import MeasureError, Metric, Sample


def test_lines_of_name_value_unit_are_read_and_other_output_is_ignored() -> None:
    text = "warming up...\nlookup by tag: 12.5 ms\n  insert tag:3 us\nthroughput: 1.5e3 ops/s\nno value here\n"
    assert measure.parse_lines(text) == [Sample("lookup by tag", 12.5, "ms"), Sample("insert tag", 3.0, "us"),
                                         Sample("throughput", 1500.0, "ops/s")]


def test_a_name_printed_twice_in_one_run_is_refused() -> None:
    with pytest.raises(MeasureError, match="prints 'lookup' twice"):
        measure.parse_lines("lookup: 1 ms\nlookup: 2 ms\n")


def test_micro_sign_spellings_are_one_unit() -> None:
    assert [s.unit for s in measure.parse_lines("a: 1 µs\nb: 2 μs\nc: 3 us\n")] == ["us", "us", "us"]


PYTEST_BENCHMARK = {
    "machine_info": {}, "commit_info": {},
    "benchmarks": [
        {"group": None, "name": "test_lookup_by_tag", "fullname": "benches/test_b.py::test_lookup_by_tag",
         "stats": {"min": 0.001, "max": 0.004, "mean": 0.002, "stddev": 0.0001, "rounds": 10, "median": 0.0015}},
        {"group": None, "name": "test_insert", "fullname": "benches/test_b.py::test_insert",
         "stats": {"min": 0.0002, "max": 0.0009, "mean": 0.0004, "stddev": 0.0001, "rounds": 10, "median": 0.0003}},
    ],
    "datetime": "2026-11-29T00:00:00", "version": "5.1.0",
}


def test_pytest_benchmark_json_gives_each_benchmark_statistic_in_seconds() -> None:
    assert measure.parse_pytest_benchmark(PYTEST_BENCHMARK, "median") == [
        Sample("test_lookup_by_tag", 0.0015, "s"), Sample("test_insert", 0.0003, "s")]
    assert measure.parse_pytest_benchmark(PYTEST_BENCHMARK, "min")[0] == Sample("test_lookup_by_tag", 0.001, "s")


def test_json_that_is_not_pytest_benchmark_output_is_refused() -> None:
    with pytest.raises(MeasureError, match="no 'benchmarks' list"):
        measure.parse_pytest_benchmark({"results": []}, "median")
    with pytest.raises(MeasureError, match="no median"):
        measure.parse_pytest_benchmark({"benchmarks": [{"name": "x", "stats": {}}]}, "median")


def test_the_median_of_the_repeats_is_the_value_and_every_sample_is_kept() -> None:
    runs = [[Sample("q", v, "ms")] for v in (12.0, 50.0, 11.0, 13.0, 12.5)]
    assert measure.combine(runs, "median") == [Metric("q", "ms", 12.5, (12.0, 50.0, 11.0, 13.0, 12.5))]
    assert measure.combine(runs, "min")[0].value == 11.0
    assert measure.combine(runs, "mean")[0].value == pytest.approx(19.7)


def test_repeats_in_other_time_units_are_converted_to_the_first() -> None:
    runs = [[Sample("q", 12.0, "ms")], [Sample("q", 0.013, "s")], [Sample("q", 11000.0, "us")]]
    (metric,) = measure.combine(runs, "median")
    assert (metric.unit, metric.samples) == ("ms", pytest.approx((12.0, 13.0, 11.0)))
    assert metric.value == pytest.approx(12.0)


def test_a_metric_missing_from_one_repeat_or_in_another_unit_is_refused() -> None:
    with pytest.raises(MeasureError, match="'b' was printed by 1 of 2 runs"):
        measure.combine([[Sample("a", 1, "ms"), Sample("b", 1, "ms")], [Sample("a", 1, "ms")]], "median")
    with pytest.raises(MeasureError, match="'a' is in ms in one run and in rows in another"):
        measure.combine([[Sample("a", 1, "ms")], [Sample("a", 1, "rows")]], "median")


def _m(name: str, value: float, unit: str = "ms") -> Metric:
    return Metric(name, unit, value, (value,))


def test_the_comparison_line_matches_the_template() -> None:
    (c,) = measure.compare([_m("lookup by tag", 120.0)], [_m("lookup by tag", 3.1)], margin=10)
    assert measure.line(c) == "lookup by tag: 120.0 ms → 3.1 ms (improvement: 97%)"
    assert not c.degraded


def test_after_in_another_time_unit_is_shown_in_the_before_unit() -> None:
    (c,) = measure.compare([_m("q", 120.0)], [_m("q", 0.0031, "s")], margin=10)
    assert measure.line(c) == "q: 120.0 ms → 3.1 ms (improvement: 97%)"


def test_small_times_are_shown_in_a_readable_unit() -> None:
    (c,) = measure.compare([_m("q", 0.0015, "s")], [_m("q", 0.0003, "s")], margin=10)
    assert measure.line(c) == "q: 1.5 ms → 0.3 ms (improvement: 80%)"


def test_nothing_short_of_everything_is_shown_as_a_100_percent_improvement() -> None:
    (c,) = measure.compare([_m("q", 20.0)], [_m("q", 0.001)], margin=10)
    assert measure.line(c) == "q: 20.0 ms → 0.001 ms (improvement: 99.9%)"
    (gone,) = measure.compare([_m("q", 20.0)], [_m("q", 0.0)], margin=10)
    assert measure.line(gone) == "q: 20.0 ms → 0.0 ms (improvement: 100%)"


def test_worse_beyond_the_margin_is_degraded_and_within_it_is_not() -> None:
    (worse,) = measure.compare([_m("q", 10.0)], [_m("q", 12.5)], margin=10)
    assert worse.degraded
    assert measure.line(worse) == "q: 10.0 ms → 12.5 ms (slower: 25%)"
    (noise,) = measure.compare([_m("q", 10.0)], [_m("q", 10.5)], margin=10)
    assert not noise.degraded
    assert measure.line(noise) == "q: 10.0 ms → 10.5 ms (slower: 5%)"


def test_a_rate_is_better_higher() -> None:
    (faster,) = measure.compare([_m("reads", 1000.0, "ops/s")], [_m("reads", 1500.0, "ops/s")], margin=10)
    assert measure.line(faster) == "reads: 1000.0 ops/s → 1500.0 ops/s (improvement: 50%)"
    (slower,) = measure.compare([_m("reads", 1000.0, "ops/s")], [_m("reads", 500.0, "ops/s")], margin=10)
    assert slower.degraded and measure.line(slower) == "reads: 1000.0 ops/s → 500.0 ops/s (worse: 50%)"


def test_units_that_do_not_convert_are_flagged_not_compared() -> None:
    (c,) = measure.compare([_m("q", 10.0)], [_m("q", 3.0, "rows")], margin=10)
    assert c.problem == "measured in ms before and in rows after: not compared"
    assert measure.line(c) == "q: 10.0 ms → 3.0 rows (measured in ms before and in rows after: not compared)"
    assert not c.degraded


def test_a_metric_on_one_side_only_says_so() -> None:
    after_only, before_only = measure.compare([_m("old", 5.0)], [_m("new", 2.0)], margin=10)[::-1]
    assert measure.line(before_only) == "old: 5.0 ms → not measured after"
    assert measure.line(after_only) == "new: not measured before → 2.0 ms"


def test_the_record_round_trips_and_degradations_are_read_from_the_runs() -> None:
    before = measure.record(["python bench.py"], [_m("q", 10.0)], repeats=5, statistic="median", margin=10)
    after = measure.record(["python bench.py"], [_m("q", 20.0)], repeats=5, statistic="median", margin=10)
    assert measure.metrics(before) == [_m("q", 10.0)]
    runs = {"red": {"benchmarks": before}, "green": {"benchmarks": after}}
    assert [measure.line(c) for c in measure.degradations(runs)] == ["q: 10.0 ms → 20.0 ms (slower: 100%)"]
    assert measure.degradations({"red": {"benchmarks": before}}) == []
