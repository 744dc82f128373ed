"""Before/after measurements, the pure part: what a benchmark command printed or
wrote, the statistic over its repeats, units, and the comparison a story shows.

A benchmark prints lines ``NAME: VALUE UNIT`` (``lookup by tag: 12.5 ms``) or writes
pytest-benchmark's JSON; each command runs ``repeats`` times and each metric's value
is the chosen statistic (the median by default) of its samples, every sample kept.
Time units convert (ns, us, ms, s); a unit ending in ``/s`` (``ops/s``) is a rate,
better higher; any other unit is compared only with itself.  Lower is better.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STATISTICS = ("median", "mean", "min")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
_READABLE = ("ns", "us", "ms", "s")
_MICRO = {"µs": "us", "μs": "us"}  # micro sign, Greek mu
_LINE = re.compile(r"^\s*(?P<name>[^:\r\n]*[^:\s])\s*:\s*(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
                   r"\s*(?P<unit>\S+)\s*$")


class MeasureError(ValueError):
    """What a benchmark printed or wrote measures nothing (the message says why)."""


@dataclass(frozen=True)
class Sample:
    """One value one run of a benchmark command gave."""

    name: str
    value: float
    unit: str


@dataclass(frozen=True)
class Metric:
    """A measured metric: the statistic of its samples (one per repeat), in ``unit``."""

    name: str
    unit: str
    value: float
    samples: tuple[float, ...]


@dataclass(frozen=True)
class Comparison:
    """One metric before (red run) and after (green run)."""

    name: str
    before: Metric | None
    after: Metric | None
    change: float | None = None  # percent better (negative: worse); None when not compared
    problem: str | None = None  # why the two are not compared
    degraded: bool = False  # worse beyond the margin
    margin: float = 0.0


def unit_of(text: str) -> str:
    return _MICRO.get(text, text)


def is_rate(unit: str) -> bool:
    """A rate (``ops/s``, ``MB/s``) is better higher; everything else lower."""
    return unit.endswith("/s")


def converts(a: str, b: str) -> bool:
    return a == b or (a in _SECONDS and b in _SECONDS)


def convert(value: float, unit: str, to: str) -> float:
    if unit == to:
        return value
    if unit in _SECONDS and to in _SECONDS:
        return value * _SECONDS[unit] / _SECONDS[to]
    raise MeasureError(f"{unit} does not convert to {to}")


def parse_lines(text: str) -> list[Sample]:
    """The ``NAME: VALUE UNIT`` lines of a benchmark's output, in order; other lines
    are the benchmark's own talk and are ignored.  A name twice is ambiguous."""
    found: dict[str, Sample] = {}
    for raw in text.splitlines():
        match = _LINE.match(raw)
        if match is None:
            continue
        value = float(match.group("value"))
        if not math.isfinite(value):
            continue
        name = match.group("name").strip()
        if name in found:
            raise MeasureError(f"prints '{name}' twice")
        found[name] = Sample(name, value, unit_of(match.group("unit")))
    return list(found.values())


def parse_pytest_benchmark(data: Any, statistic: str) -> list[Sample]:
    """Each benchmark of a pytest-benchmark JSON report: its ``statistic`` (seconds)."""
    benchmarks = data.get("benchmarks") if isinstance(data, Mapping) else None
    if not isinstance(benchmarks, list):
        raise MeasureError("wrote JSON with no 'benchmarks' list (not pytest-benchmark's --benchmark-json)")
    found: dict[str, Sample] = {}
    for item in benchmarks:
        name = item.get("name") if isinstance(item, Mapping) else None
        values = item.get("stats") if isinstance(item, Mapping) else None
        value = values.get(statistic) if isinstance(values, Mapping) else None
        if not isinstance(name, str) or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MeasureError(f"wrote a benchmark with no {statistic} in its stats ({str(name)!r})")
        if name in found:  # the same test name in two files: the full node id tells them apart
            name = str(item.get("fullname") or name)
        found[name] = Sample(name, float(value), "s")
    return list(found.values())


def statistic_of(values: Sequence[float], statistic: str) -> float:
    import statistics as stats  # here, not at the top: every command's config check imports this module

    if statistic == "min":
        return min(values)
    if statistic == "mean":
        return stats.fmean(values)
    return stats.median(values)


def combine(runs: list[list[Sample]], statistic: str) -> list[Metric]:
    """One metric per name over the repeats of one command: every repeat must give
    it, in a unit that converts to the first repeat's."""
    names: dict[str, str] = {}  # name -> unit, in the order first seen
    for run in runs:
        for sample in run:
            names.setdefault(sample.name, sample.unit)
    metrics = []
    for name, unit in names.items():
        samples = [s for run in runs for s in run if s.name == name]
        if len(samples) != len(runs):
            raise MeasureError(f"'{name}' was printed by {len(samples)} of {len(runs)} runs")
        for sample in samples:
            if not converts(sample.unit, unit):
                raise MeasureError(f"'{name}' is in {unit} in one run and in {sample.unit} in another")
        values = tuple(convert(s.value, s.unit, unit) for s in samples)
        metrics.append(Metric(name, unit, statistic_of(values, statistic), values))
    return metrics


def compare(before: list[Metric] | None, after: list[Metric] | None, *, margin: float) -> list[Comparison]:
    """Each metric before and after, in the order they were measured (before's
    first); ``margin``: percent worse that is still noise."""
    old = {m.name: m for m in before or []}
    new = {m.name: m for m in after or []}
    found = []
    for name in [*old, *(n for n in new if n not in old)]:
        first, second = old.get(name), new.get(name)
        if first is None or second is None:
            found.append(Comparison(name, first, second, margin=margin))
            continue
        if not converts(second.unit, first.unit):
            problem = f"measured in {first.unit} before and in {second.unit} after: not compared"
            found.append(Comparison(name, first, second, problem=problem, margin=margin))
            continue
        value = convert(second.value, second.unit, first.unit)
        if first.value == 0:
            found.append(Comparison(name, first, second, problem="zero before: no percentage", margin=margin))
            continue
        change = (value - first.value) / abs(first.value) * 100
        if not is_rate(first.unit):
            change = -change
        found.append(Comparison(name, first, second, change, degraded=change < -margin, margin=margin))
    return found


def number(value: float) -> str:
    """A measured value as a story shows it: 120.0, 12.5, 3.1, 0.0123."""
    if abs(value) >= 100:
        return f"{value:.1f}"
    text = f"{value:.3g}"
    return text if any(c in text for c in ".e") else text + ".0"


def _shown_unit(unit: str, values: list[float]) -> str:
    """The before's unit, unless its values read badly in it (0.0015 s: 1.5 ms)."""
    if unit not in _SECONDS:
        return unit
    largest = max(abs(v) for v in values)
    if 1 <= largest < 1000 or largest == 0:
        return unit
    seconds = largest * _SECONDS[unit]
    fitting = [u for u in _READABLE if seconds / _SECONDS[u] >= 1]
    return fitting[-1] if fitting else "ns"


def line(comparison: Comparison) -> str:
    """``lookup by tag: 120.0 ms → 3.1 ms (improvement: 97%)``, as the template asks."""
    first, second = comparison.before, comparison.after
    if first is None and second is None:
        return f"{comparison.name}: not measured"
    if first is None:
        assert second is not None
        return f"{comparison.name}: not measured before → {number(second.value)} {second.unit}"
    if second is None:
        return f"{comparison.name}: {number(first.value)} {first.unit} → not measured after"
    if comparison.problem and not converts(second.unit, first.unit):
        return (f"{comparison.name}: {number(first.value)} {first.unit} → {number(second.value)} {second.unit} "
                f"({comparison.problem})")
    shown = f"{comparison.name}: {values(comparison)}"
    if comparison.change is None:
        return f"{shown} ({comparison.problem})" if comparison.problem else shown
    if comparison.change >= 0:
        return f"{shown} (improvement: {percent(comparison.change)}%)"
    return f"{shown} ({'worse' if is_rate(first.unit) else 'slower'}: {percent(-comparison.change)}%)"


def percent(value: float) -> str:
    """A whole percentage, except that nothing short of 100% is shown as 100%: 97,
    99.9 (for 99.995)."""
    shown = round(value)
    if shown == 100 and value < 100:
        return f"{math.floor(value * 10) / 10:g}"
    return str(shown)


def values(comparison: Comparison) -> str:
    """``120.0 ms → 3.1 ms``: before and after in one readable unit (both measured,
    in units that convert)."""
    first, second = comparison.before, comparison.after
    assert first is not None and second is not None
    after = convert(second.value, second.unit, first.unit)
    unit = _shown_unit(first.unit, [first.value, after])
    old, new = number(convert(first.value, first.unit, unit)), number(convert(after, first.unit, unit))
    return f"{old} {unit} → {new} {unit}"


def warning(comparison: Comparison) -> str:
    """The one-line flag of a degradation."""
    change = round(-(comparison.change or 0))
    return f"{comparison.name} got {change}% worse (margin: {number_percent(comparison.margin)}%)"


def number_percent(value: float) -> str:
    return f"{value:g}"


# -- the record in a run (runs.red.benchmarks, runs.green.benchmarks) ---------------------------

def record(commands: list[str], metrics: list[Metric], *, repeats: int, statistic: str,
           margin: float) -> dict[str, Any]:
    """What a run records of its measurements (the front matter's ``benchmarks`` of
    the run): the commands, how they were summarised, and each metric's samples."""
    return {
        "commands": list(commands),
        "repeats": repeats,
        "statistic": statistic,
        "margin": margin,
        "results": [{"name": m.name, "unit": m.unit, "value": _stored(m.value),
                     "samples": [_stored(v) for v in m.samples]} for m in metrics],
    }


def _stored(value: float) -> float:
    """Values as recorded: 6 significant digits, so the front matter stays readable."""
    return float(f"{value:.6g}")


def metrics(data: Any) -> list[Metric]:
    """The metrics of a recorded run's ``benchmarks`` (tolerant: anything else is none)."""
    results = data.get("results") if isinstance(data, Mapping) else None
    found = []
    for item in results if isinstance(results, list) else []:
        if not isinstance(item, Mapping):
            continue
        value, samples = item.get("value"), item.get("samples")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        samples = tuple(float(s) for s in samples if isinstance(s, (int, float)) and not isinstance(s, bool)) \
            if isinstance(samples, list) else ()
        found.append(Metric(str(item.get("name")), str(item.get("unit")), float(value), samples))
    return found


def margin_of(data: Any) -> float:
    value = data.get("margin") if isinstance(data, Mapping) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def comparisons(runs: Any) -> list[Comparison]:
    """The comparisons of a story's recorded runs (red: before, green: after), with
    the margin the green run recorded; none when neither measured anything."""
    runs = runs if type(runs) is dict or isinstance(runs, Mapping) else {}  # (a dict without the ABC's check)
    red, green = runs.get("red"), runs.get("green")
    before = red.get("benchmarks") if type(red) is dict or isinstance(red, Mapping) else None
    after = green.get("benchmarks") if type(green) is dict or isinstance(green, Mapping) else None
    if not before and not after:
        return []
    return compare(metrics(before) if before else None, metrics(after) if after else None,
                   margin=margin_of(after or before))


def degradations(runs: Any) -> list[Comparison]:
    """The metrics measured worse after than before, beyond the margin."""
    return [c for c in comparisons(runs) if c.degraded]


def all_measured(runs: Any) -> bool:
    """Every metric measured before and after, in units that compare."""
    found = comparisons(runs)
    return bool(found) and all(c.change is not None for c in found)


def value_text(metric: Metric) -> str:
    """A metric's value with its unit, readable (0.0201 s: 20.1 ms)."""
    unit = _shown_unit(metric.unit, [metric.value])
    return f"{number(convert(metric.value, metric.unit, unit))} {unit}"
