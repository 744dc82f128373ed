"""A vitest-style run through test_command (issue 11): the default reporter prints only
`✓ file (N tests)`, yet the story names the tests that passed (from the JUnit XML), shows
the JUnit file as {junit}, the project root as <project>, and two clones of the project at
different paths get the same Test Results but for times and durations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import Project

FAKE_VITEST = """\
import os, sys
from xml.sax.saxutils import quoteattr
junit, spec = sys.argv[1], sys.argv[2]
cases = [line.split("|") for line in open(spec).read().split() if line]
failing = [name for name, ok in cases if ok != "ok"]
print(" RUN  v2.1.0 " + os.getcwd())
print(" " + ("x" if failing else "✓") + " " + spec + " (" + str(len(cases)) + " tests)")
xml = ['<testsuites><testsuite name="' + spec + '">']
for name, ok in cases:
    inner = "" if ok == "ok" else '<failure type="AssertionError" message="expected 1 to be 2"/>'
    xml.append('<testcase classname="' + spec + '" name=' + quoteattr(name) + '>' + inner + '</testcase>')
xml.append("</testsuite></testsuites>")
open(junit, "w").write("".join(xml))
print(" JUNIT report written to " + junit)
sys.exit(1 if failing else 0)
"""
NAMES = ["adds two numbers", "rejects a negative amount", "keeps the order"]


def setup(project: Project) -> Project:
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + 'test_command = "python vitest.py {junit} {tests}"\n')
    project.write("vitest.py", FAKE_VITEST)
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "vitest-like runner")
    assert project.new(tests="tests/unit/x.spec").exit_code == 0
    return project


def cycle(project: Project) -> str:
    project.write("tests/unit/x.spec", "\n".join(f"{n.replace(' ', '_')}|{'bad' if i == 1 else 'ok'}"
                                                 for i, n in enumerate(NAMES)) + "\n")
    red = project.run("run-tests", "1")
    assert red.exit_code == 0, red.output
    project.write("tests/unit/x.spec", "\n".join(f"{n.replace(' ', '_')}|ok" for n in NAMES) + "\n")
    green = project.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    story = project.story()
    return story[story.index("## Test Results"):]


def test_passing_tests_are_named_and_paths_are_tokens(project: Project) -> None:
    results = cycle(setup(project))
    assert ("- Passed: `tests/unit/x.spec::adds_two_numbers`, `tests/unit/x.spec::rejects_a_negative_amount`, "
            "`tests/unit/x.spec::keeps_the_order`") in results
    assert "JUNIT report written to {junit}" in results
    assert "RUN  v2.1.0 <project>" in results
    assert "- Command: `python vitest.py {junit} tests/unit/x.spec`" in results
    assert str(project.root) not in results and "storykit-run-" not in results
    assert results.count("`<project>` is the project root") == 1


def test_two_clones_at_different_paths_give_the_same_test_results(tmp_path: Path, project: Project) -> None:
    setup(project)
    other = Project(tmp_path / "elsewhere" / "deeper" / "clone")
    shutil.copytree(project.root, other.root)
    first, second = cycle(project), cycle(other)

    def masked(text: str) -> str:
        text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "<time>", text)
        text = re.sub(r"exit code (\d+), [\d.]+ s", r"exit code \1, <duration>", text)
        return re.sub(r"commit `[0-9a-f]{10}`", "commit <sha>", text)

    assert masked(first) == masked(second)
