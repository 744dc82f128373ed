"""Running a test command: output cleaned for a story, kept to a head and a tail, the
command line built from test_command (real, tiny processes; no test runner needed)."""

from __future__ import annotations

import sys
from pathlib import Path

from storykit.runners.runner import clean, custom_command, run_command, split_env


def test_clean_strips_ansi_and_controls() -> None:
    assert clean("\x1b[31mred\x1b[0m\x07 ok\tx\rprogress\n") == "progress\n"
    assert clean("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "link"


def test_output_keeps_a_head_and_a_tail_and_names_the_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "x.log"
    result = run_command([sys.executable, "-c", "for i in range(100): print(f'line {i}')"], cwd=tmp_path,
                         log_path=log, output_lines=10)
    assert result.exit_code == 0 and result.total_lines == 100
    assert result.excerpt.splitlines() == ["line 0", "line 1", "line 2", "line 3", "line 4",
                                           f"… [90 lines cut; full log: {log}] …",
                                           "line 95", "line 96", "line 97", "line 98", "line 99"]
    assert log.read_text().splitlines() == [f"line {i}" for i in range(100)]  # the log keeps everything


def test_an_endless_line_is_cut_and_memory_stays_bounded(tmp_path: Path) -> None:
    result = run_command([sys.executable, "-c", "import sys; sys.stdout.write('x' * 10_000_000)"], cwd=tmp_path,
                         log_path=tmp_path / "x.log", output_lines=10)
    assert result.exit_code == 0
    assert len(result.excerpt) < 100_000
    assert result.excerpt.splitlines()[0].endswith("x … [line cut]")
    assert (tmp_path / "x.log").stat().st_size == 10_000_000


def test_exit_code_and_output_of_a_failing_command(tmp_path: Path) -> None:
    result = run_command([sys.executable, "-c", "import sys; print('\\x1b[31mE501\\x1b[0m'); sys.exit(3)"],
                         cwd=tmp_path, log_path=None)
    assert (result.exit_code, result.timed_out, result.excerpt) == (3, False, "E501\n")


def test_a_command_past_its_timeout_is_killed(tmp_path: Path) -> None:
    result = run_command([sys.executable, "-c", "import time; print('started', flush=True); time.sleep(60)"],
                         cwd=tmp_path, log_path=tmp_path / "t.log", timeout=0.5)
    assert (result.exit_code, result.timed_out) == (None, True)
    assert result.duration < 10
    assert (tmp_path / "t.log").read_text() == "started\n\n[storykit: killed after the 0.5 s timeout]\n"


def test_test_command_placeholders_and_environment_words(tmp_path: Path) -> None:
    junit = tmp_path / "j.xml"
    command = custom_command("JEST_JUNIT_OUTPUT_FILE={junit} npx jest --ci {tests}",
                             ["a.test.js", "b c.test.js"], ["-t", "x"], junit)
    assert command == [f"JEST_JUNIT_OUTPUT_FILE={junit}", "npx", "jest", "--ci", "a.test.js", "b c.test.js", "-t", "x"]
    assert split_env(command) == ({"JEST_JUNIT_OUTPUT_FILE": str(junit)},
                                  ["npx", "jest", "--ci", "a.test.js", "b c.test.js", "-t", "x"])
    assert custom_command("run --files={tests} --out {junit}", ["a", "b"], [], junit) == \
        ["run", "--files=a b", "--out", str(junit)]
