"""Running one benchmark command (storykit.runners.bench): a real shell, its whole
output kept for parsing, `{json}` given a path, timeouts like test runs."""

from __future__ import annotations

import sys
from pathlib import Path

from storykit.runners import bench


def _py(code: str) -> str:
    return f'"{sys.executable}" -c "{code}"'


def test_the_whole_output_is_kept_beyond_the_story_window(tmp_path: Path) -> None:
    command = _py("[print(f'line {i}') for i in range(500)]; print('lookup: 1.5 ms')")
    run = bench.run(command, cwd=tmp_path, log_path=tmp_path / "b.log", json_path=tmp_path / "b.json",
                    timeout=None, output_lines=20)
    assert (run.exit_code, run.timed_out, run.json_text) == (0, False, None)
    assert run.output.endswith("line 499\nlookup: 1.5 ms\n")
    assert "line 250\n" in run.output


def test_json_placeholder_becomes_a_path_whose_text_is_read(tmp_path: Path) -> None:
    command = _py("import sys; open(sys.argv[1], 'w').write('{}')") + " {json}"
    target = tmp_path / "out dir" / "b.json"
    run = bench.run(command, cwd=tmp_path, log_path=tmp_path / "b.log", json_path=target, timeout=None)
    assert (run.exit_code, run.json_text) == (0, "{}")


def test_a_stale_json_file_is_never_read_as_this_run(tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    target.write_text('{"old": true}')
    run = bench.run(_py("pass") + " {json}", cwd=tmp_path, log_path=tmp_path / "b.log", json_path=target,
                    timeout=None)
    assert run.json_text is None


def test_a_failing_command_reports_its_exit_code(tmp_path: Path) -> None:
    run = bench.run(_py("import sys; sys.exit(3)"), cwd=tmp_path, log_path=tmp_path / "b.log",
                    json_path=tmp_path / "b.json", timeout=None)
    assert run.exit_code == 3


def test_a_command_past_its_timeout_is_killed(tmp_path: Path) -> None:
    run = bench.run(_py("import time; time.sleep(30)"), cwd=tmp_path, log_path=tmp_path / "b.log",
                    json_path=tmp_path / "b.json", timeout=0.5)
    assert run.timed_out and run.exit_code is None and run.duration < 10
