"""The replay environment, end to end: `storykit verify` runs every process a replayed
test starts on the code of the commit replayed, not on the copy of the project the
developer's Python has installed (issue 15).

The case the overlay environment exists for (storykit's own history): the project is
itself a Python package, installed in the developer's environment in editable mode
(so the installed copy is the working tree, where the story is already implemented),
and its tests start the package in a subprocess with PYTHONPATH removed.  At the red
commit that subprocess must run the red commit's code and fail; run on the installed
copy it would pass, and the red evidence would not replay."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import Project

VERSION_TEST = """\
import os
import subprocess
import sys


def test_the_package_run_as_a_program_is_version_two(tmp_path):
    # A fresh process, as the package's users start it: no PYTHONPATH, and a working
    # directory outside the project (so nothing but the environment finds the package).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-m", "storykit"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.stdout == "v2\\n", out.stdout + out.stderr
"""


def developer_environment(where: Path, project: Path) -> Path:
    """A virtual environment like a developer's: the test tools installed, and the
    project installed in editable mode (a ``.pth`` naming its working tree, as pip
    writes it).  Returns its ``bin`` folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, capture_output=True)
    (site,) = where.glob("lib/python*/site-packages")
    tools = sysconfig.get_paths()["purelib"]  # pytest and friends, from the environment running this suite
    (site / "tools.pth").write_text(tools + "\n", encoding="utf-8")
    (site / "__editable__.storykit-0.1.pth").write_text(str(project) + "\n", encoding="utf-8")
    return where / "bin"


def test_a_replayed_test_runs_the_replayed_commits_code_in_its_subprocesses(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + "whole_suite = false\n")
    project.write("storykit/__init__.py", "")
    project.write("storykit/__main__.py", "print('v1')\n")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "a package of its own, version one")
    bin_dir = developer_environment(tmp_path / "env", project.root)
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), os.environ["PATH"]]))
    installed = subprocess.run(["python", "-m", "storykit"], cwd=tmp_path, capture_output=True, text=True,
                               env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert installed.stdout == "v1\n", installed.stderr  # the installed copy is the working tree

    assert project.new("--min-tests", "1", title="Version two", tests="tests/test_version.py").exit_code == 0
    project.write("tests/test_version.py", VERSION_TEST)
    red = project.run("run-tests", "1", "--commit")
    assert red.exit_code == 0, red.output
    project.write("storykit/__main__.py", "print('v2')\n\n")  # a new size: bytecode cached for v1 cannot stand in
    assert project.run("run-tests", "1").exit_code == 0
    project.tick_all("STORY-001")
    project.git("add", "storykit")
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    # The working tree, and so the installed copy, is version two now: only the
    # replay environment makes the red commit's subprocess run version one.
    replay = project.run("verify", "1")
    assert replay.exit_code == 0, replay.output
    red_sha = project.git("rev-parse", "HEAD^").strip()
    assert replay.stdout.splitlines()[0] == f"red   {red_sha[:10]}  1 of 1 tests fail"
    assert "assert 'v1\\n' == 'v2\\n'" in project.read(".storykit/logs/STORY-001-verify-red.log")


def test_this_repositorys_ci_replays_every_done_story_after_the_dogfood_checks() -> None:
    """.ci/run (a fresh clone, a fresh virtual environment) replays this repository's
    own done stories from its history, on both cores, once check has passed."""
    lines = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith(("#", "echo"))]
    replay = commands.index("time env PYTHONDONTWRITEBYTECODE=1 storykit verify --all -j 2")
    assert replay > commands.index("storykit check") and replay > commands.index("storykit tracker --check")
