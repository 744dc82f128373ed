"""Running a command as storykit runs tests: real subprocesses, output windowed and cleaned."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from storykit.errors import StorykitError
from storykit.runners.process import clean, run_command


def test_clean_drops_ansi_codes_and_control_characters_and_keeps_the_last_redraw() -> None:
    assert clean("\x1b[32mPASSED\x1b[0m\x07 ok\n") == "PASSED ok\n"
    assert clean("10%\r50%\r100%\nnext\ttab") == "100%\nnext\ttab"
    assert clean("\x1b]0;title\x07text") == "text"


def test_a_command_s_exit_code_output_and_log_are_real(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run.log"
    code = "import sys; print('\\x1b[31mout\\x1b[0m'); print('err', file=sys.stderr); sys.exit(3)"
    result = run_command([sys.executable, "-c", code], cwd=tmp_path, log_path=log)
    assert (result.exit_code, result.timed_out, result.total_lines) == (3, False, 2)
    assert sorted(result.excerpt.splitlines()) == ["err", "out"]
    assert b"\x1b[31mout" in log.read_bytes()  # the log keeps the raw bytes
    assert result.log == log


def test_long_output_keeps_its_head_and_tail_and_names_the_log(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    result = run_command([sys.executable, "-c", "for i in range(1000): print(i)"], cwd=tmp_path, log_path=log,
                         output_lines=20)
    lines = result.excerpt.splitlines()
    assert lines[:10] == [str(i) for i in range(10)]
    assert lines[10] == f"… [980 lines cut; full log: {log}] …"
    assert lines[11:] == [str(i) for i in range(990, 1000)]
    assert result.total_lines == 1000 and len(log.read_text().splitlines()) == 1000


def test_a_run_past_its_timeout_is_killed(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    result = run_command([sys.executable, "-c", "import time; print('start', flush=True); time.sleep(30)"],
                         cwd=tmp_path, log_path=log, timeout=0.5)
    assert (result.exit_code, result.timed_out) == (None, True)
    assert result.duration < 10
    assert log.read_text().endswith("[storykit: killed after the 0.5 s timeout]\n")


def test_a_missing_command_is_refused_and_leaves_no_log(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    with pytest.raises(StorykitError, match="^the test command 'no-such-runner-xyz' was not found; install it"):
        run_command(["no-such-runner-xyz"], cwd=tmp_path, log_path=log)
    assert not log.exists()
