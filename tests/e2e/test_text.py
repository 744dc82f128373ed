"""Text (issue 3): UTF-8 whatever the locale; CRLF stays CRLF, a BOM stays, and tabs
and trailing spaces outside storykit's regions are never touched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Project

USER_LINES = "A line with\ttabs\tand trailing spaces   \n\t- indented with a tab\t \nTrailing tab\t\n"


def locale_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8"))}
    return {**env, "LANG": "C", "LC_ALL": "C", **extra}


@pytest.mark.parametrize("extra", [{}, {"PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}], ids=["C", "C-no-utf8-mode"])
def test_utf8_whatever_the_locale(tmp_path: Path, extra: dict[str, str]) -> None:
    root = tmp_path / "prój-ü"
    root.mkdir()
    project = Project(root)
    project.git("init", "-q")
    env = locale_env(**extra)

    def sk(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "storykit", *args], cwd=root, env=env, capture_output=True)
        assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
        assert b"Traceback" not in proc.stderr
        return proc.stdout.decode("utf-8")  # storykit speaks UTF-8 even to a C locale

    sk("init")
    assert sk("new", "feature", "--title", "Café crème ✅ 🔴", "--tests", "tests/test_feature.py",
              "--agent", "Zoë", "--min-tests", "2") == "stories/STORY-001-caf-cr-me.md\n"
    project.tests_file("feature", failing=2)
    project.write("tests/test_feature.py", project.read("tests/test_feature.py")
                  + "def test_feature_2():\n    assert '✅' == 'ü', 'naïve ✅'\n")
    run = sk("run-tests", "1")
    assert "naïve ✅" in run
    story = (root / "stories/STORY-001-caf-cr-me.md").read_bytes().decode("utf-8")
    assert "title: Café crème ✅ 🔴" in story and "agent: Zoë" in story
    assert "AssertionError: naïve ✅" in story  # the test's own UTF-8 output, kept exactly
    assert "Café crème ✅ 🔴" in sk("list")
    assert "Status:       ❌ Red (tests failing)" in sk("show", "1")
    assert "Café crème ✅ 🔴" in (root / "STORY_TRACKER.md").read_bytes().decode("utf-8")


def mask_owned(text: str) -> str:
    """The story with storykit's regions cut out: front matter, the Status and Blocks
    lines, the Test Results section, the completion fields and the tagged ticks."""
    text = text.lstrip("\ufeff")
    text = re.sub(r"\A---\r?\n.*?\r?\n---\r?\n", "", text, flags=re.S)
    text = re.sub(r"(?m)^## Test Results.*?(?=^## )", "<results>", text, flags=re.S)
    text = re.sub(r"(?m)^\*\*(Status|Blocks|Last Updated|Completed By|Actual Time):\*\*.*$", r"<\1>", text)
    return re.sub(r"(?m)^- \[[ x]\] (.*<!-- storykit:)", r"- [?] \1", text)


def cycle(project: Project) -> list[bytes]:
    """red, green and complete for real; the story's bytes after each."""
    states = []
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    states.append(project.story_path().read_bytes())
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0
    states.append(project.story_path().read_bytes())
    project.git("add", "tests")
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    states.append(project.story_path().read_bytes())
    return states


@pytest.mark.parametrize(("crlf", "bom"), [(True, False), (False, True), (True, True), (False, False)],
                         ids=["crlf", "bom", "crlf+bom", "lf"])
def test_newlines_bom_tabs_and_trailing_spaces_are_kept(project: Project, crlf: bool, bom: bool) -> None:
    assert project.new().exit_code == 0
    path = project.story_path()
    text = path.read_text(encoding="utf-8").replace("## Context\n\n", "## Context\n\n" + USER_LINES, 1)
    text = text.replace("## Handoff Notes\n\n", "## Handoff Notes\n\n" + USER_LINES, 1)
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    ticked = path.read_bytes()  # a person ticks their boxes (storykit's tagged ones stay for storykit)
    path.write_bytes(re.sub(rb"(?m)^- \[ \] (?!.*<!-- storykit:)", b"- [x] ", ticked))
    original = mask_owned(path.read_bytes().decode("utf-8"))
    for data in cycle(project):
        assert data.startswith(b"\xef\xbb\xbf---") == bom
        decoded = data.decode("utf-8")
        if crlf:
            assert "\n" not in decoded.replace("\r\n", ""), "a bare LF in a CRLF story"
        else:
            assert "\r" not in decoded
        assert mask_owned(decoded) == original  # every byte outside storykit's regions
        assert (USER_LINES.replace("\n", "\r\n") if crlf else USER_LINES) in decoded
    assert "status: done" in decoded and "- [x] Committed with message" in decoded
    assert project.run("list").exit_code == 0 and project.run("tracker", "--check").exit_code == 0


def test_init_keeps_a_crlf_pyproject(bare: Project) -> None:
    original = b'[project]\r\nname = "x"\t\r\nversion = "1"   \r\n'
    (bare.root / "pyproject.toml").write_bytes(original)
    assert bare.run("init").exit_code == 0
    data = (bare.root / "pyproject.toml").read_bytes()
    assert data.startswith(original)
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"[tool.storykit]\r\n" in data
