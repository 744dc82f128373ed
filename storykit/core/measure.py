"""Before/after measurements, the pure part (not written yet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class MeasureError(ValueError):
    """What a benchmark printed or wrote measures nothing."""


@dataclass(frozen=True)
class Sample:
    name: str
    value: float
    unit: str


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    value: float
    samples: tuple[float, ...]


def parse_lines(text: str) -> list[Sample]:
    raise NotImplementedError


def parse_pytest_benchmark(data: Any, statistic: str) -> list[Sample]:
    raise NotImplementedError


def combine(runs: list[list[Sample]], statistic: str) -> list[Metric]:
    raise NotImplementedError


def compare(before: list[Metric] | None, after: list[Metric] | None, *, margin: float) -> list[Any]:
    raise NotImplementedError


def line(comparison: Any) -> str:
    raise NotImplementedError


def record(commands: list[str], metrics: list[Metric], *, repeats: int, statistic: str,
           margin: float) -> dict[str, Any]:
    raise NotImplementedError


def metrics(record: Any) -> list[Metric]:
    raise NotImplementedError


def degradations(runs: Any) -> list[Any]:
    raise NotImplementedError
