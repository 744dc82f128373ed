"""storykit ends as soon as its work is done (issue 12: the test tax, and the cold
`list` and `check` of 10,000 stories): Python's teardown of every module and object
(30-80 ms after a run, 0.15 s after a cold list) is skipped, but nothing else changes:
the exit code, every line of output, the files written, the ``atexit`` functions, and a
thread that is not a daemon is still waited for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Project
from storykit.__main__ import main

# Loaded by every Python started with this folder on PYTHONPATH (storykit and the tests
# it runs): an atexit function, an object freed by Python's teardown, and a thread that
# is not a daemon, each leaving a file.
SITE = """\
import atexit, os, sys, threading, time
from pathlib import Path

folder = Path(os.environ["STORYKIT_TEST_TRACE"])


def leave(what):
    (folder / f"{what}-{os.getpid()}").write_text(" ".join(sys.argv), encoding="utf-8")


class Teardown:
    def __init__(self):  # what __del__ needs, kept: the teardown may have cleared the modules
        self.path, self.argv, self.open = str(folder / f"teardown-{os.getpid()}"), sys.argv, open

    def __del__(self):
        with self.open(self.path, "w", encoding="utf-8") as file:
            file.write(" ".join(self.argv))


atexit.register(leave, "atexit")
kept = Teardown()  # freed by Python's teardown of the modules, if there is one
if os.environ.get("STORYKIT_TEST_THREAD"):
    def late():
        time.sleep(0.5)
        leave("thread")
    threading.Thread(target=late, daemon=False).start()
"""


def run(project: Project, trace: Path, *args: str, thread: bool = False) -> subprocess.CompletedProcess[str]:
    site = trace.parent / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
           "STORYKIT_TEST_TRACE": str(trace)}
    if thread:
        env["STORYKIT_TEST_THREAD"] = "1"
    return subprocess.run([sys.executable, "-m", "storykit", *args], cwd=project.root, capture_output=True,
                          text=True, env=env, timeout=120)


def left_by(trace: Path, what: str, program: str = "storykit") -> list[str]:
    """What the ``program`` processes (``python -m program``) left; told by their
    ``sys.argv[0]``, the module's own file (a folder's name may hold the word too)."""
    ending = os.path.join(program, "__main__.py")
    return [p.read_text(encoding="utf-8") for p in sorted(trace.glob(f"{what}-*"))
            if p.read_text(encoding="utf-8").split(" ")[0].endswith(ending)]


@pytest.fixture
def trace(tmp_path: Path) -> Path:
    folder = tmp_path / "trace"
    folder.mkdir()
    return folder


def test_a_run_ends_with_its_code_its_output_and_its_atexit_functions(story: Project, trace: Path) -> None:
    story.tests_file("feature", failing=2)
    red = run(story, trace, "run-tests", "STORY-001")
    assert red.returncode == 0, red.stderr
    assert red.stdout.endswith("storykit: STORY-001 is red: 2 of 2 tests fail, as TDD expects before "
                               "implementing; recorded in stories/STORY-001-add-feature.md\n")
    assert "test_feature_1" in red.stdout  # the tests' own output, streamed before it
    assert "status: red" in story.story()
    assert len(left_by(trace, "atexit")) == 1
    assert left_by(trace, "teardown") == []  # storykit skipped Python's teardown...
    assert len(left_by(trace, "teardown", "pytest")) == 1  # ...the tests did not


def test_a_refused_run_and_bad_usage_keep_their_codes_and_lines(story: Project, trace: Path) -> None:
    story.tests_file("feature", passing=2)
    before = story.snapshot()
    refused = run(story, trace, "run-tests", "STORY-001")  # passing before any red run
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("Refused: ")
    assert story.snapshot() == before
    missing = run(story, trace, "run-tests", "STORY-404")
    assert missing.returncode == 2
    assert missing.stderr == "Error: no story STORY-404 in stories/; run 'storykit list' to see the stories\n"
    assert len(left_by(trace, "atexit")) == 2
    assert left_by(trace, "teardown") == []


def test_a_thread_that_is_not_a_daemon_is_waited_for(story: Project, trace: Path) -> None:
    story.tests_file("feature", failing=2)
    red = run(story, trace, "run-tests", "STORY-001", thread=True)
    assert red.returncode == 0, red.stderr
    assert len(left_by(trace, "thread")) == 1  # Python waited for it, as it always does
    assert len(left_by(trace, "atexit")) == 1


def test_called_in_a_process_main_returns_its_code(story: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(story.root)
    assert main(["run-tests", "STORY-404"]) == 2


@pytest.mark.parametrize("args, code", [(("list",), 0), (("check",), 0), (("tracker", "--check"), 0),
                                        (("show", "STORY-404"), 2), (("list", "--status", "nonsense"), 2)])
def test_every_command_ends_with_its_code_its_output_and_its_atexit_functions(
        story: Project, trace: Path, args: tuple[str, ...], code: int) -> None:
    # The same command through main(argv), which returns its code and lets Python end as always.
    in_process = subprocess.run([sys.executable, "-c", "import sys; from storykit.__main__ import main; "
                                 f"sys.exit(main({list(args)!r}))"], cwd=story.root, capture_output=True, text=True,
                                timeout=120)
    ended = run(story, trace, *args)
    assert ended.returncode == in_process.returncode == code, ended.stderr
    assert (ended.stdout, ended.stderr) == (in_process.stdout, in_process.stderr)  # every line, as Python ends
    assert len(left_by(trace, "atexit")) == 1
    assert left_by(trace, "teardown") == []  # no teardown of 10,000 stories' objects (0.15 s for a cold list)
