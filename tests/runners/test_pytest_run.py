"""The default runner: its pytest command line, the plugin's private copy, and its report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storykit.errors import StorykitError
from storykit.runners.pytest_run import (PLUGIN_MODULE, plugin_dir, project_python, pytest_command, read_report,
                                         require_pytest)
from storykit.runners.result import RunResult


def test_the_command_is_the_project_python_running_pytest_with_the_plugin(tmp_path: Path) -> None:
    report = tmp_path / "r.jsonl"
    assert Path(project_python()).is_file()
    command = pytest_command(["tests/test_a.py"], ["-x"], report, color=True)
    assert command == [project_python(), "-m", "pytest", "tests/test_a.py", "-p", PLUGIN_MODULE,
                       f"--storykit-report={report}", "--color=yes", "-x"]


def test_a_private_plugin_name_blocks_the_installed_one(tmp_path: Path) -> None:
    command = pytest_command([], [], tmp_path / "r", color=False, plugin="storykit_replay")
    assert command[3:] == ["-p", f"no:{PLUGIN_MODULE}", "-p", "storykit_replay", f"--storykit-report={tmp_path / 'r'}"]


def test_the_plugin_copy_is_the_plugin(tmp_path: Path) -> None:
    folder = plugin_dir(tmp_path, "storykit_replay")
    assert folder == tmp_path / "plugin"
    source = Path(__file__).resolve().parents[2] / "storykit" / "runners" / "pytest_plugin.py"
    assert (folder / "storykit_replay.py").read_bytes() == source.read_bytes()


def _report(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("lines", "state"), [
    ([{"event": "test", "nodeid": "t::a", "outcome": "passed"}, {"event": "finish"}], "complete"),
    ([{"event": "test", "nodeid": "t::a", "outcome": "passed"}], "truncated"),
    ([{"event": "test", "outcome": "passed"}, {"event": "finish"}], "corrupt"),
])
def test_the_report_tells_a_complete_run_from_a_cut_or_broken_one(tmp_path: Path, lines: list[dict[str, object]],
                                                                   state: str) -> None:
    result = RunResult(["pytest"], 0, 0.1)
    read_report(_report(tmp_path / "r.jsonl", *lines), result)
    assert result.report == state


def test_no_report_is_a_missing_report(tmp_path: Path) -> None:
    result = RunResult(["pytest"], 0, 0.1)
    read_report(tmp_path / "absent.jsonl", result)
    assert (result.report, result.tests) == ("missing", {})


def test_the_report_gives_outcomes_exceptions_and_collection_errors(tmp_path: Path) -> None:
    result = RunResult(["pytest"], 1, 0.1)
    read_report(_report(tmp_path / "r.jsonl",
                        {"event": "test", "nodeid": "t::a", "outcome": "failed", "exc": "AssertionError"},
                        {"event": "test", "nodeid": "t::b", "outcome": "passed"},
                        {"event": "collect_error", "nodeid": "tests/test_c.py"},
                        {"event": "collect_error"}, {"event": "finish"}), result)
    assert result.tests == {"t::a": ("failed", "AssertionError"), "t::b": ("passed", None)}
    assert result.collect_errors == ["tests/test_c.py", "<session>"]


def test_a_python_without_pytest_is_told_from_the_run_itself() -> None:
    missing = RunResult(["py"], 1, 0.1, report="missing", excerpt="/usr/bin/py: No module named pytest\n")
    with pytest.raises(StorykitError, match=r"^the project's Python \(py\) has no pytest; install it there"):
        require_pytest("py", missing)
    require_pytest("py", RunResult(["py"], 1, 0.1, report="complete", excerpt="No module named pytest"))
    require_pytest("py", RunResult(["py"], 2, 0.1, report="missing", excerpt="No module named pytest"))
