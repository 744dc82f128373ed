"""The pytest plugin (`--story ID`, `@pytest.mark.story`) in plain pytest, loaded through the
pytest11 entry point where storykit is installed: real pytest processes on a tiny project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Plain pytest, in the environment where storykit is installed: no -p storykit, plugins
    loaded from their entry points (the suite's own hypothesis and xdist plugins left out)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider",
                           "-p", "no:hypothesispytest", "-p", "no:xdist", *args],
                          cwd=root, capture_output=True, text=True, env=env)


def test_plain_pytest_story_option_through_the_entry_point(tmp_path: Path) -> None:
    from importlib.metadata import entry_points

    assert [ep.value for ep in entry_points(group="pytest11") if ep.name == "storykit_pytest"] == [
        "storykit.runners.pytest_plugin"]
    root = tmp_path / "plain"  # not even a storykit project: the plugin is pytest's
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_ids.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.story('STORY-003')\ndef test_full(): pass\n\n"
        "@pytest.mark.story('3')\ndef test_bare(): pass\n\n"
        "@pytest.mark.story('003')\ndef test_padded(): pass\n\n"
        "@pytest.mark.story(3)\ndef test_int(): pass\n\n"
        "@pytest.mark.story('STORY-030')\ndef test_thirty(): pass\n\n"
        "@pytest.mark.story('STORY-004', 'STORY-005')\ndef test_two_stories(): pass\n\n"
        "def test_unmarked(): pass\n")
    story_3 = ["tests/test_ids.py::test_full", "tests/test_ids.py::test_bare", "tests/test_ids.py::test_padded",
               "tests/test_ids.py::test_int"]
    for spelling in ("STORY-003", "3", "003", "story-3"):
        result = pytest_in(root, "--strict-markers", "--story", spelling)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[:4] == story_3, spelling
        assert "4/7 tests collected (3 deselected)" in result.stdout

    both = pytest_in(root, "--story", "STORY-005", "--story", "30")
    assert both.stdout.splitlines()[:2] == ["tests/test_ids.py::test_thirty", "tests/test_ids.py::test_two_stories"]
    everything = pytest_in(root)  # without --story the plugin selects nothing away
    assert "7 tests collected" in everything.stdout
    none = pytest_in(root, "--story", "STORY-009")
    assert none.returncode == 5
    assert "no tests collected (7 deselected)" in none.stdout
