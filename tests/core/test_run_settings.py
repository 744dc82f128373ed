"""Run settings are resolved once (option > story front matter > config), and a
key set to null in a story means "not set" (issue 9: ``min_tests: null`` made
run-tests and check exit 70 and show print "at least None")."""

from __future__ import annotations

import re
from types import SimpleNamespace

from conftest import Project

CONFIG = SimpleNamespace(min_tests=1, timeout=30.0, allow_skips=False)


def test_the_option_beats_the_story_which_beats_the_config() -> None:
    from storykit.core.settings import RunSettings, resolve

    assert resolve({}, CONFIG) == RunSettings(timeout=30.0, min_tests=1, allow_skips=False)
    assert resolve({"timeout": 5, "min_tests": 4}, CONFIG) == RunSettings(timeout=5.0, min_tests=4, allow_skips=False)
    assert resolve({"timeout": 5}, CONFIG, timeout=2.5).timeout == 2.5


def test_null_in_the_story_means_not_set() -> None:
    from storykit.core.settings import RunSettings, resolve

    assert resolve({"min_tests": None, "timeout": None}, CONFIG) == RunSettings(30.0, 1, False)
    assert resolve({"min_tests": 0}, CONFIG).min_tests == 0  # zero is a value, not "unset"
    assert resolve({}, SimpleNamespace(min_tests=3, timeout=None, allow_skips=True)) == RunSettings(None, 3, True)


def _null_min_tests(project: Project) -> None:
    path = project.story_path()
    path.write_text(re.sub(r"(?m)^min_tests: 2$", "min_tests: null", project.story()), encoding="utf-8")


def test_a_story_with_min_tests_null_runs_checks_and_shows(project: Project) -> None:
    assert project.new().exit_code == 0
    _null_min_tests(project)
    assert "min_tests: null" in project.story()
    show = project.run("show", "1")
    assert show.exit_code == 0, show.output
    assert "(at least 1 to pass)" in show.stdout and "at least None" not in show.stdout
    assert project.run("show", "1", "--json").stdout.count('"min_tests": 1') == 1
    project.tests_file("feature", failing=1)
    red = project.run("run-tests", "1")
    assert red.exit_code == 0, red.output
    project.tests_file("feature", passing=1)  # one test: enough for the config's min_tests = 1
    green = project.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    assert "status: green" in project.story()
    check = project.run("check")
    assert check.exit_code == 0, check.output
