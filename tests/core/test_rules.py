"""Status against recorded runs, as pure data (the rules `storykit check` applies)."""

from __future__ import annotations

from typing import Any

import pytest

from storykit.core.rules import evidence_problems

RED = {"at": "2026-01-01T10:00:00Z", "exit_code": 1, "counts": {"failed": 2}}
GREEN = {"at": "2026-01-01T11:00:00Z", "exit_code": 0, "counts": {"passed": 2}}
FINAL = {"at": "2026-01-01T12:00:00Z", "exit_code": 0, "counts": {"passed": 2}}
VALID = {"at": "2026-01-01T11:30:00Z", "commands": [{"command": "ruff check .", "exit_code": 0}]}


def codes(status: str, validation: bool = False, **meta: Any) -> list[str]:
    found = evidence_problems({"id": "STORY-001", "status": status, **meta}, min_tests=2, validation=validation)
    return [code for code, _, _ in found]


@pytest.mark.parametrize(("status", "runs", "extra", "expected"), [
    ("not-started", {}, {}, []),
    ("not-started", {"red": RED}, {}, ["SK505"]),
    ("red", {}, {}, ["SK501"]),
    ("red", {"red": {**RED, "exit_code": 2}}, {}, ["SK501"]),  # a collection error is not red
    ("red", {"red": RED}, {}, []),
    ("green", {"red": RED}, {}, ["SK502"]),
    ("green", {"red": RED, "green": {**GREEN, "counts": {"passed": 1, "failed": 1}}}, {}, ["SK502"]),
    ("green", {"red": RED, "green": {**GREEN, "at": "2026-01-01T09:00:00Z"}}, {}, ["SK502"]),
    ("green", {"red": RED, "green": {**GREEN, "at": RED["at"]}}, {}, []),  # the same second is fine
    ("green", {"red": RED, "green": {**GREEN, "counts": {"passed": 1}}}, {}, ["SK502"]),  # min_tests 2
    ("green", {"red": RED, "green": GREEN}, {}, []),
    ("validated", {"red": RED, "green": GREEN}, {}, ["SK504"]),
    ("validated", {"red": RED, "green": GREEN, "validate": {**VALID, "commands": [{"exit_code": 1}]}}, {}, ["SK504"]),
    ("validated", {"red": RED, "green": GREEN, "validate": VALID}, {}, []),
    ("done", {"red": RED, "green": GREEN}, {}, ["SK503"]),
    ("done", {"red": RED, "green": GREEN, "final": FINAL}, {}, ["SK503"]),  # no 'completed'
    ("done", {"red": RED, "green": GREEN, "final": FINAL}, {"completed": FINAL["at"]}, []),
    ("done", {}, {"completed": FINAL["at"]}, ["SK501"]),
])
def test_status_against_runs(status: str, runs: dict, extra: dict, expected: list[str]) -> None:
    assert codes(status, runs=runs, **extra) == expected


def test_done_without_validation_when_commands_are_configured_is_a_warning() -> None:
    runs = {"red": RED, "green": GREEN, "final": FINAL}
    found = evidence_problems({"id": "S-1", "status": "done", "runs": runs, "completed": FINAL["at"]},
                              min_tests=2, validation=True)
    assert [(code, severity) for code, severity, _ in found] == [("SK504", "warning")]
    runs["validate"] = VALID
    assert evidence_problems({"id": "S-1", "status": "done", "runs": runs, "completed": FINAL["at"]},
                             min_tests=2, validation=True) == []


