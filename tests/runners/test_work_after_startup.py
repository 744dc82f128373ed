"""The work storykit does beside a test run (the exact Markdown check, the tracker's
proof, importing the YAML writer) waits until the tests have started up (issue 12,
the test tax): pytest's start-up is CPU-bound, and on two busy cores the work beside
took from it.  ``up`` is set when the output says the tests are collected (pytest's
"collected N items"), ``STARTUP`` seconds after the start, or when the run ends."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import Project
from storykit.runners import process, runner


def watch_up(up: threading.Event, tmp_path: Path, seen: list[tuple[bool, bool, float]], began: list[float]) -> None:
    def wait() -> None:
        up.wait()
        seen.append(((tmp_path / "before").exists(), (tmp_path / "done").exists(), time.monotonic() - began[0]))
    threading.Thread(target=wait, daemon=True).start()


def run(tmp_path: Path, script: str) -> list[tuple[bool, bool, float]]:
    up = threading.Event()
    seen: list[tuple[bool, bool, float]] = []
    began: list[float] = []
    result = runner.run(f"{sys.executable} -c \"{script}\"", [], [], cwd=tmp_path, log_path=None, up=up,
                        started=lambda: (began.append(time.monotonic()), watch_up(up, tmp_path, seen, began)))
    assert result.exit_code == 0
    for _ in range(100):
        if seen:
            break
        time.sleep(0.01)
    return seen


def test_up_when_the_output_says_the_tests_are_collected(tmp_path: Path) -> None:
    script = ("import pathlib, time; pathlib.Path('before').write_text('x'); print('collected 3 items', flush=True); "
              "time.sleep(1.5); pathlib.Path('done').write_text('x')")
    [(before, done, _)] = run(tmp_path, script)
    assert (before, done) == (True, False)  # after the line, while the tests still ran


def test_up_after_the_start_up_time_without_such_a_line(tmp_path: Path) -> None:
    script = "import pathlib, time; time.sleep(3); pathlib.Path('done').write_text('x')"
    [(_, done, after)] = run(tmp_path, script)
    assert not done  # while the command still ran...
    assert after >= process.STARTUP - 0.05  # ...once its start-up time had passed


def test_up_when_the_command_ends_first(tmp_path: Path) -> None:
    [(_, done, _)] = run(tmp_path, "import pathlib; pathlib.Path('done').write_text('x')")
    assert done


def test_up_is_not_set_when_the_command_cannot_start(tmp_path: Path) -> None:
    up = threading.Event()
    with pytest.raises(Exception, match="was not found"):
        runner.run("no-such-command-storykit {tests}", [], [], cwd=tmp_path, log_path=None, up=up)
    assert not up.is_set()  # nothing ran: nothing beside it was started to wait


def test_a_broken_story_is_still_refused_and_a_good_run_recorded(story: Project) -> None:
    story.tests_file("feature", failing=2)
    red = story.sk("run-tests", "STORY-001")
    assert red.exit_code == 0, red.output
    assert "status: red" in story.story()
    checked = story.run("tracker", "--check")
    assert checked.exit_code == 0, checked.output
    path = story.story_path()
    path.write_text(path.read_text(encoding="utf-8").replace("**STATUS**:", "```\n**STATUS**:"), encoding="utf-8")
    before = story.snapshot()
    refused = story.sk("run-tests", "STORY-001")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("Error: STORY-001: in its '## Test R") and refused.stderr.count("\n") == 1
    assert story.snapshot() == before
