"""The main path end to end: real git repository, real pytest runs (issue 2)."""

from __future__ import annotations

import pytest
import yaml

from conftest import Project


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_red_with_every_installed_pytest_plugin_loaded(story: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest as users run it: every installed plugin (here hypothesis, xdist) loaded
    from its entry point beside storykit's own."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    story.tests_file("feature", failing=2)
    red = story.sk("run-tests", "1")
    assert red.exit_code == 0, red.output
    assert "plugins: " in red.stdout and "hypothesis" in red.stdout.split("plugins: ", 1)[1].split("\n", 1)[0]
    assert front(story.story())["runs"]["red"]["counts"] == {"failed": 2}


def test_new_red_green_complete_commits(project: Project) -> None:
    created = project.new()
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == "stories/STORY-001-add-feature.md"
    assert front(project.story())["status"] == "not-started"

    project.tests_file("feature", failing=2)
    red = project.run("run-tests", "STORY-001")
    assert red.exit_code == 0, red.output
    assert "STORY-001 is red: 2 of 2 tests fail" in red.stdout
    story = project.story()
    meta = front(story)
    assert meta["status"] == "red"
    assert meta["runs"]["red"]["counts"] == {"failed": 2}
    assert meta["started"] == meta["runs"]["red"]["at"]
    assert "**Status:** ❌ Red (tests failing)" in story
    assert "AssertionError: not implemented" in story  # the real pytest output
    assert "2 failed" in story

    project.tests_file("feature", passing=2)
    green = project.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    story = project.story()
    meta = front(story)
    assert meta["status"] == "green"
    assert "- Tests: 2 passed, 2 total" in story
    assert "- Pass Rate: 100% ✅" in story
    assert "**STATUS**: ✅ 100% pass rate" in story
    assert "AssertionError: not implemented" in story  # red evidence kept
    assert "```text green" in story and "2 passed" in story

    project.tick_all()
    project.git("add", "tests/test_feature.py")
    done = project.run("complete", "001", "--by", "tester", "--actual", "1.5h")
    assert done.exit_code == 0, done.output
    meta = front(project.story())
    assert meta["status"] == "done"
    assert meta["completed_by"] == "tester" and meta["actual"] == "1.5h"
    assert "**Completed By:** tester" in project.story()
    assert "**Actual Time:** 1.5h" in project.story()
    log = project.git("log", "-1", "--format=%s%n%b")
    assert log.startswith("feat: Add feature (STORY-001)")
    assert "Story: STORY-001" in log
    files = project.git("show", "--name-only", "--format=", "HEAD").split()
    assert sorted(files) == ["STORY_TRACKER.md", "stories/.evidence/STORY-001-add-feature.json",
                             "stories/STORY-001-add-feature.md", "tests/test_feature.py"]
    assert project.git("status", "--porcelain") == ""
    assert "| ✅ Done |" in project.read("STORY_TRACKER.md")


def test_passing_before_red_is_refused_and_changes_nothing(project: Project) -> None:
    project.new()
    project.tests_file("feature", passing=3)
    before = project.snapshot()
    result = project.run("run-tests", "STORY-001")
    assert result.exit_code == 1
    assert "tests pass before any implementation: write a failing test first" in result.stderr
    assert project.snapshot() == before


def test_collection_error_is_not_red(project: Project) -> None:
    project.new()
    project.write("tests/test_feature.py", "import does_not_exist\n\ndef test_x():\n    assert False\n")
    before = project.snapshot()
    result = project.run("run-tests", "STORY-001")
    assert result.exit_code == 1
    assert "collect" in result.stderr and "not red" in result.stderr
    assert project.snapshot() == before


def test_no_tests_collected_is_not_red(project: Project) -> None:
    project.new()
    project.write("tests/test_feature.py", "x = 1\n")
    result = project.run("run-tests", "STORY-001")
    assert result.exit_code == 1
    assert "no tests were collected (exit 5)" in result.stderr


def test_green_needs_min_tests(project: Project) -> None:
    project.new()
    project.tests_file("feature", failing=1)
    assert project.run("run-tests", "1").exit_code == 0
    project.tests_file("feature", passing=1)
    before = project.snapshot()
    result = project.run("run-tests", "1")
    assert result.exit_code == 1
    assert "only 1 test(s) passed; STORY-001 needs at least 2 (min_tests)" in result.stderr
    assert project.snapshot() == before


def test_complete_refuses_unticked_boxes_and_lists_them(project: Project) -> None:
    project.new()
    project.tests_file("feature", failing=2)
    project.run("run-tests", "1")
    project.tests_file("feature", passing=2)
    project.run("run-tests", "1")
    before = project.snapshot()
    result = project.run("complete", "1")
    assert result.exit_code == 1
    assert "unticked item(s): Tasks: Read the code the feature touches" in result.stderr
    assert project.snapshot() == before


def test_complete_without_git_completes_without_commit(tmp_path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    p = Project(root)
    assert p.run("init").exit_code == 0
    p.new()
    p.tests_file("feature", failing=2)
    assert p.run("run-tests", "1").exit_code == 0
    p.tests_file("feature", passing=2)
    assert p.run("run-tests", "1").exit_code == 0
    p.tick_all()
    result = p.run("complete", "1")
    assert result.exit_code == 0, result.output
    assert "Not committed (not a git repository)" in result.stdout
    assert front(p.story())["status"] == "done"


def test_tests_run_with_project_python_lacking_storykit(project: Project, tmp_path) -> None:
    """The project's `python` runs the tests even when storykit is not installed in
    it (storykit installed with pipx): the plugin is loaded from a private copy."""
    import importlib
    import importlib.metadata
    import os
    import subprocess
    import venv
    from pathlib import Path

    env_dir = tmp_path / "projvenv"
    venv.create(env_dir, with_pip=False)
    deps = tmp_path / "deps"  # pytest and its dependencies only, by symlink
    deps.mkdir()
    for name in ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "pygments", "py"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        source = Path(module.__file__)
        source = source.parent if source.name == "__init__.py" else source
        (deps / source.name).symlink_to(source)
    for dist in ("pytest", "pluggy", "iniconfig", "packaging", "pygments"):
        info = Path(importlib.metadata.distribution(dist)._path)  # type: ignore[attr-defined]
        (deps / info.name).symlink_to(info)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "deps.pth").write_text(f"{deps}\n")
    probe = subprocess.run([str(python), "-c", "import pytest, importlib.util as u; print(u.find_spec('storykit'))"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert probe.stdout.strip() == "None", probe.stderr  # pytest yes, storykit no

    project.new()
    # Each test prints the interpreter running it; pytest shows that output for failures.
    project.write("tests/test_feature.py", "".join(
        f"import sys\n\ndef test_{i}():\n    print('python:', sys.prefix)\n    assert False\n" for i in range(2)))
    result = project.sk("run-tests", "1", env={"PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"})
    assert result.exit_code == 0, result.output
    assert f"python: {env_dir}" in result.stdout  # the project's python ran the tests, not storykit's
    assert front(project.story())["runs"]["red"]["counts"] == {"failed": 2}
