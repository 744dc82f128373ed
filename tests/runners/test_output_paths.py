"""Machine-independent evidence (issue 11): the throwaway {junit} path and the project
root never reach the story's output excerpt."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from storykit.runners import runner

SCRIPT = """\
import os, sys
junit = sys.argv[1]
print("RUN  v1.0.0 " + os.getcwd())
print(" ✓ tests/unit/x.test.ts (2 tests)")
print("file://" + os.getcwd() + "/tests/unit/x.test.ts")
cases = '<testcase name="a"/><testcase name="b"/>'
open(junit, "w").write('<testsuites><testsuite name="x">' + cases + '</testsuite></testsuites>')
print("JUNIT report written to " + junit)
"""


def test_junit_path_and_project_root_are_tokens(tmp_path: Path) -> None:
    (tmp_path / "fake.py").write_text(SCRIPT)
    result = runner.run(f"{sys.executable} fake.py {{junit}}", [], [], cwd=tmp_path, log_path=None)
    assert result.exit_code == 0
    assert result.excerpt.splitlines() == [
        "RUN  v1.0.0 <project>",
        " ✓ tests/unit/x.test.ts (2 tests)",
        "file://<project>/tests/unit/x.test.ts",
        "JUNIT report written to {junit}",
    ]
    assert list(result.tests) == ["x::a", "x::b"]


def test_the_python_environment_is_a_token(tmp_path: Path) -> None:
    """The virtual environment the tests run in (the `python` on the run's PATH, in a folder
    with a pyvenv.cfg) is written `<venv>`: xdist's failure reports and argv print it."""
    venv = tmp_path / "elsewhere" / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {Path(sys.executable).parent}\n")
    (venv / "bin" / "python").symlink_to(sys.executable)
    project = tmp_path / "project"
    project.mkdir()
    (project / "fake.py").write_text(SCRIPT.replace('print("RUN  v1.0.0 " + os.getcwd())',
                                                    'print("[gw0] linux -- Python " + sys.executable)'))
    path = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    result = runner.run("python fake.py {junit}", [], [], cwd=project, log_path=None, env={"PATH": path})
    assert result.exit_code == 0, result.excerpt
    assert result.excerpt.splitlines()[0] == "[gw0] linux -- Python <venv>/bin/python"
