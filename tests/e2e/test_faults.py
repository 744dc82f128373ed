"""Hostile test runs with real processes (issue 3): hangs, signals, floods of output,
binary and Markdown output, pytest's error exits, crashes.  Whatever the test suite
does, storykit never records a pass that did not happen and never half-writes a file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import Project
from storykit.story.markdown import Document

STORY_SECTIONS = ["Context", "Tasks (TDD Order)", "Acceptance Criteria", "Test Results (MANDATORY)", "Expected Outputs",
                  "Handoff Notes", "Known Issues / Risks", "Related Stories", "Completion Checklist"]


def meta(project: Project) -> dict:
    return yaml.safe_load(project.story().split("---\n", 2)[1])


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def wait_until(check, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


@pytest.fixture
def pids() -> Iterator[list[int]]:
    """Processes a test learns about; any still running at the end are killed."""
    found: list[int] = []
    yield found
    for pid in found:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)



@pytest.fixture
def red(story: Project) -> Project:
    """STORY-001 gone red for real: two failing tests recorded."""
    story.tests_file("feature", failing=2)
    result = story.run("run-tests", "1")
    assert result.exit_code == 0, result.output
    return story


# storykit started as from a terminal: with Ctrl-C's SIGINT handled. A process started
# with SIGINT ignored (a background job of a script, as a CI step may be) keeps it ignored,
# Python included; so the suite, wherever it runs, resets it and then becomes storykit
# (exec: the same process, the pid the tests signal).
AS_FROM_A_TERMINAL = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                      "os.execv(sys.executable, [sys.executable, '-m', 'storykit', *sys.argv[1:]])")


def start(project: Project, *args: str, stdout: int | None = subprocess.DEVNULL) -> subprocess.Popen[str]:
    """storykit as a real background process."""
    return subprocess.Popen([sys.executable, "-c", AS_FROM_A_TERMINAL, *args], cwd=project.root, stdout=stdout,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def hanging_test(marks: Path, *, passes_then_hangs: bool = False) -> str:
    """A test that starts a child (same process group) and a process in a session of
    its own, records their pids and pytest's, and hangs (or passes, then hangs in the
    session's teardown: the results say pass, the run never ends)."""
    spawn = (
        "import os, subprocess, time\n"
        f"MARKS = {str(marks)!r}\n"
        "def spawn():\n"
        "    child = subprocess.Popen(['sleep', '300'])\n"
        "    lone = subprocess.Popen(['sleep', '301'], start_new_session=True)\n"
        "    with open(MARKS + '/pids.tmp', 'w') as f:\n"
        "        f.write(f'{os.getpid()} {child.pid} {lone.pid}')\n"
        "    os.replace(MARKS + '/pids.tmp', MARKS + '/pids')\n"
    )
    if passes_then_hangs:
        return spawn + ("def test_feature_0():\n    assert True\n\ndef test_feature_1():\n    assert True\n\n"
                        "def teardown_module():\n    spawn()\n    time.sleep(300)\n")
    return spawn + "def test_feature_0():\n    spawn()\n    time.sleep(300)\n"


def read_pids(marks: Path) -> list[int]:
    assert wait_until(lambda: (marks / "pids").exists()), "the test never started"
    return [int(p) for p in (marks / "pids").read_text().split()]


# -- timeouts --------------------------------------------------------------------------------

def test_timeout_kills_the_whole_tree_and_is_refused(red: Project, tmp_path: Path, pids: list[int]) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    red.write("tests/test_feature.py", hanging_test(marks))
    before = red.snapshot()
    began = time.monotonic()
    result = red.sk("run-tests", "1", "--timeout", "2")
    elapsed = time.monotonic() - began
    pids.extend(read_pids(marks))
    assert result.exit_code == 1, result.output
    assert result.stderr == ("Refused: the tests timed out after 2 s and were killed; a timed-out run is never a pass "
                             "(raise --timeout, or fix the hang) (full log: .storykit/logs/STORY-001-refused.log)\n")
    assert elapsed < 15
    assert red.snapshot() == before
    assert wait_until(lambda: not any(alive(pid) for pid in pids), 5), [p for p in pids if alive(p)]
    log = (red.root / ".storykit/logs/STORY-001-refused.log").read_text()
    assert log.endswith("[storykit: killed after the 2 s timeout]\n")


def test_passing_tests_that_then_hang_are_never_a_pass(red: Project, tmp_path: Path, pids: list[int]) -> None:
    """Every test passed and the results say so, but the run did not end: the config's
    default timeout kills it, and the story stays red."""
    marks = tmp_path / "marks"
    marks.mkdir()
    red.write("tests/test_feature.py", hanging_test(marks, passes_then_hangs=True))
    config = red.root / "storykit.toml"
    config.write_text(config.read_text() + "timeout = 2\n")
    before = red.snapshot()
    result = red.sk("run-tests", "1")
    pids.extend(read_pids(marks))
    assert result.exit_code == 1, result.output
    assert "2 passed" not in result.stderr and "timed out after 2 s" in result.stderr
    assert red.snapshot() == before
    assert meta(red)["status"] == "red"
    assert wait_until(lambda: not any(alive(pid) for pid in pids), 5)


# -- signals in the middle of a run ------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_mid_run_changes_nothing_and_leaves_no_process(
        red: Project, tmp_path: Path, pids: list[int], signum: int) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    red.write("tests/test_feature.py", hanging_test(marks))
    before = red.snapshot()
    process = start(red, "run-tests", "1")
    pids.extend(read_pids(marks))
    process.send_signal(signum)  # to storykit alone, as a terminal's Ctrl-C would not reach its test group
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 130
    assert stderr.strip() == "Interrupted; no file was changed."
    assert red.snapshot() == before
    assert meta(red)["status"] == "red"
    # storykit stopped the whole tree: no orphan pytest, no leftover child of the test.
    assert wait_until(lambda: not any(alive(pid) for pid in pids), 5), [p for p in pids if alive(p)]


def test_sigkill_mid_run_changes_nothing(red: Project, tmp_path: Path, pids: list[int]) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    red.write("tests/test_feature.py", hanging_test(marks))
    before = red.snapshot()
    process = start(red, "run-tests", "1")
    pids.extend(read_pids(marks))
    process.kill()
    process.communicate(timeout=20)
    assert process.returncode == -signal.SIGKILL
    assert red.snapshot() == before
    assert meta(red)["status"] == "red"
    # The test process dies with storykit (PR_SET_PDEATHSIG), not left running on its own.
    assert wait_until(lambda: not alive(pids[0]), 5)
    # And the next run is not blocked by anything the killed one left behind.
    red.tests_file("feature", failing=2)
    assert red.run("run-tests", "1").exit_code == 0


# -- a flood of output ------------------------------------------------------------------------------

FLOOD_MB = 50


def test_fifty_megabytes_of_output(red: Project, tmp_path: Path) -> None:
    lines = FLOOD_MB * 1024 * 1024 // 100
    red.write("tests/test_feature.py", (
        "import sys\n"
        "def test_feature_0():\n"
        f"    for i in range({lines} // 4096):\n"
        "        sys.stdout.write(''.join(f'line {i * 4096 + j:09d} ' + 'x' * 84 + '\\n' for j in range(4096)))\n"
        "    assert False, 'flooded'\n"
        "def test_feature_1():\n    assert False\n"))
    peak_file = tmp_path / "peak"
    wrapper = ("import atexit, resource, sys\n"
               "atexit.register(lambda: open(sys.argv[1], 'w').write(\n"
               "    str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))\n"
               "from storykit.__main__ import main\n"
               "sys.exit(main(sys.argv[2:]))\n")
    began = time.monotonic()
    # Extra pytest args after --: -s lets the output through uncaptured (pytest would print it twice).
    proc = subprocess.run([sys.executable, "-c", wrapper, str(peak_file), "run-tests", "1", "--", "-s"],
                          cwd=red.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
    elapsed = time.monotonic() - began
    assert proc.returncode == 0, proc.stderr
    peak_mb = int(peak_file.read_text()) / 1024
    story = red.story()
    log = red.root / ".storykit/logs/STORY-001-red.log"
    assert log.stat().st_size > FLOOD_MB * 1024 * 1024
    cut = lines + 20 - 200  # about; the exact count is in the marker
    assert "lines cut; full log: .storykit/logs/STORY-001-red.log] …" in story
    marker = next(line for line in story.splitlines() if "lines cut; full log:" in line)
    assert int(marker.split("[", 1)[1].split(" ", 1)[0]) >= cut
    assert "line 000000000 " in story and f"line {lines // 4096 * 4096 - 1:09d} " in log.read_text()[-300_000:]
    assert len(story.encode()) < 100_000  # the story stays reviewable
    assert peak_mb < 100, f"storykit's peak RSS was {peak_mb:.0f} MB for {FLOOD_MB} MB of output"
    print(f"\n{FLOOD_MB} MB of output: storykit peak RSS {peak_mb:.1f} MB, {elapsed:.1f} s")


def test_reader_going_away_does_not_stop_the_run(story: Project) -> None:
    """storykit run-tests 1 | head -1: the live echo stops, the run is still recorded."""
    story.write("tests/test_feature.py", "def test_feature_0():\n    print('x' * 100 + '\\n' * 3000)\n"
                                         "    assert False\n"
                                         "def test_feature_1():\n    assert False\n")
    process = start(story, "run-tests", "1", "--", "-s", stdout=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    # click ends a command whose stdout was closed with exit 1, quietly; what matters
    # is that the run was not cut short: it finished and was recorded.
    assert process.returncode == 1, stderr
    assert stderr == ""
    assert meta(story)["status"] == "red"
    assert "\n" * 50 in (story.root / ".storykit/logs/STORY-001-red.log").read_text()


# -- hostile output ------------------------------------------------------------------------------

HOSTILE = r'''
import sys

def test_feature_0():
    print("```\n````python\n## Injected heading\n~~~\n<!-- unclosed comment\n<div>\n| a | b |\n|---|---|")
    print("\x1b[31mred\x1b[0m \x1b]0;title\x07 \x07bell")
    print("progress 10%\rprogress 100%")
    sys.stdout.flush()
    sys.stdout.buffer.write(b"\xff\xfe binary \x00\x01\x02 bytes\n`````````\n# H1 injected\n<pre>\n\t tab\t  \n")
    sys.stdout.buffer.flush()
    assert False, "```\n## from assert\n<!--"

def test_feature_1():
    assert False
'''


def test_hostile_output_stays_reviewable(story: Project) -> None:
    story.write("tests/test_feature.py", HOSTILE)
    # A real process: the live echo of binary output is bytes, as on a terminal.
    result = subprocess.run([sys.executable, "-m", "storykit", "run-tests", "1", "--", "-s"], cwd=story.root,
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert b"\xff\xfe binary" in result.stdout  # the user saw the output live, unaltered
    text = story.story()
    doc = Document(text.split("---\n", 2)[2])
    assert doc.titles() == STORY_SECTIONS  # every later section is still a heading
    (red_fence,) = [f for f in doc.fences if f[0] == "text red"]
    output = red_fence[1]
    assert "## Injected heading\n" in output and "# H1 injected\n" in output and "<!-- unclosed comment\n" in output
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text
    assert "\nred  bell\n" in output  # colours, terminal titles and bells removed
    assert "\nprogress 100%\n" in output  # a line redrawn with \\r shows what was drawn last
    assert "\ufffd\ufffd binary  bytes" in output  # undecodable bytes shown, not dropped silently
    assert "\t tab\t  \n" in output  # tabs and trailing spaces of the output kept
    assert text.count("``````````text red") == 1  # one backtick longer than the longest run in the output


# -- pytest's own exit codes ------------------------------------------------------------------------

EXIT_CASES = {
    2: ("tests/test_feature.py", "import no_such_module\n\ndef test_feature_0():\n    assert False\n", (),
        "pytest was interrupted or could not collect the tests (exit 2): the tests must run and fail, an import or "
        "collection error is not red; fix the error shown above"),
    3: ("tests/conftest.py", "def pytest_collection_modifyitems(items):\n    raise RuntimeError('plugin bug')\n", (),
        "pytest hit an internal error (exit 3); see the output above"),
    4: (None, None, ("--", "--no-such-option"),
        "pytest was called wrongly (exit 4: usage error); check the test paths and extra arguments"),
    5: ("tests/test_feature.py", "x = 1\n", (), "no tests were collected (exit 5): check the story's 'tests' paths"),
}


@pytest.mark.parametrize("code", sorted(EXIT_CASES))
def test_each_pytest_error_exit_has_its_own_message(red: Project, code: int) -> None:
    rel, content, extra, message = EXIT_CASES[code]
    if rel:
        red.write(rel, content)
    before = red.snapshot()
    result = red.run("run-tests", "1", *extra)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Refused: {message} (full log: .storykit/logs/STORY-001-refused.log)\n"
    log = (red.root / ".storykit/logs/STORY-001-refused.log").read_text()
    assert f"exit {code}" in message and log
    assert red.snapshot() == before


# -- crashes and missing results ---------------------------------------------------------------------

CRASHES = {
    "exit0-mid-run": ("import os\n\ndef test_feature_0():\n    os._exit(0)\n\ndef test_feature_1():\n    pass\n",
                      "the test run exited 0 and its results file is truncated (the runner died mid-run); "
                      "nothing was recorded"),
    "killed": ("import os, signal\n\ndef test_feature_0():\n    pass\n\ndef test_feature_1():\n"
               "    os.kill(os.getpid(), signal.SIGKILL)\n",
               "the test process was killed by signal 9; nothing was recorded"),
    "segfault": ("import ctypes\n\ndef test_feature_0():\n    pass\n\ndef test_feature_1():\n    ctypes.string_at(0)\n",
                 "the test process was killed by signal 11; nothing was recorded"),
}


@pytest.mark.parametrize("case", sorted(CRASHES))
def test_crash_is_reported_never_a_pass(red: Project, case: str) -> None:
    content, message = CRASHES[case]
    red.write("tests/test_feature.py", content)
    before = red.snapshot()
    result = red.run("run-tests", "1")
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Refused: {message} (full log: .storykit/logs/STORY-001-refused.log)\n"
    assert red.snapshot() == before
    assert meta(red)["status"] == "red"


JUNIT_RUNNERS = {
    "missing": ("import sys\nprint('all good')\nsys.exit(0)\n",
                "the test command exited 0 without writing JUnit XML to {junit} (it failed to start, or "
                "test_command does not pass {junit} to the runner's JUnit reporter); nothing was recorded"),
    "corrupt": ("import sys\nopen(sys.argv[1], 'w').write('<testsuite><testcase name=\"a\">')\nsys.exit(0)\n",
                "the test command exited 0 and its JUnit XML is unreadable (not well-formed, or not JUnit); "
                "nothing was recorded"),
    "empty": ("import sys\nopen(sys.argv[1], 'w').close()\nsys.exit(0)\n",
              "the test command exited 0 without writing JUnit XML to {junit} (it failed to start, or "
              "test_command does not pass {junit} to the runner's JUnit reporter); nothing was recorded"),
}


@pytest.mark.parametrize("case", sorted(JUNIT_RUNNERS))
def test_missing_or_corrupt_junit_is_never_a_pass(red: Project, case: str) -> None:
    """A custom test_command that exits 0 without usable JUnit XML proves nothing."""
    script, message = JUNIT_RUNNERS[case]
    red.write("runner.py", script)
    config = red.root / "storykit.toml"
    config.write_text(config.read_text() + f"test_command = \"{Path(sys.executable).name} runner.py {{junit}}\"\n")
    before = red.snapshot()
    result = red.run("run-tests", "1")
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Refused: {message} (full log: .storykit/logs/STORY-001-refused.log)\n"
    assert red.snapshot() == before
    assert meta(red)["status"] == "red"
