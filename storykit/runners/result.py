"""One test run as data: what every runner returns and the workflow reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RunResult:
    """One test run, as data."""

    command: list[str]
    exit_code: int | None  # None when storykit killed it
    duration: float
    timed_out: bool = False
    tests: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # nodeid -> (outcome, exc)
    collect_errors: list[str] = field(default_factory=list)
    report: str = "complete"  # complete | missing | truncated | corrupt
    runner: str = "pytest"  # pytest (storykit's plugin report) | junit (a test_command's JUnit XML)
    excerpt: str = ""
    total_lines: int = 0
    log: Path | None = None

    def count(self, *outcomes: str) -> int:
        return sum(1 for outcome, _ in self.tests.values() if outcome in outcomes)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed")

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for outcome, _ in self.tests.values():
            found[outcome] = found.get(outcome, 0) + 1
        return dict(sorted(found.items()))
