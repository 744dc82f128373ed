"""A C locale with Python's UTF-8 mode off (issue 10): non-ASCII titles, project paths and
test file names work for every command, and the front-matter cache never fails a
command.  Real processes with LANG=C, LC_ALL=C, PYTHONUTF8=0 (``python -X utf8=0``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import Project

C_LOCALE = {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


def c_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8"))}
    return {**env, **C_LOCALE}


def sk(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-X", "utf8=0", "-m", "storykit", *args], cwd=root, env=c_env(),
                          capture_output=True)


def ok(proc: subprocess.CompletedProcess[bytes]) -> str:
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in proc.stderr
    return proc.stdout.decode("utf-8")


@pytest.fixture
def cafe(tmp_path: Path) -> Project:
    root = tmp_path / "prój-ü"
    root.mkdir()
    project = Project(root)
    project.git("init", "-q")
    ok(sk(root, "init"))
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "init")
    return project


def test_a_cafe_story_goes_red_green_done_under_a_c_locale(cafe: Project) -> None:
    root = cafe.root
    assert ok(sk(root, "new", "feature", "--title", "Café", "--tests", "tests/test_café.py", "--min-tests",
                 "1")) == "stories/STORY-001-caf.md\n"
    cafe.write("tests/test_café.py", "def test_crème():\n    assert 'é' == 'e'\n")
    ok(sk(root, "run-tests", "1", "--commit"))
    cafe.write("tests/test_café.py", "def test_crème():\n    assert 'é' == 'é'\n")
    ok(sk(root, "run-tests", "1"))
    cafe.tick_all()
    cafe.git("add", "tests")
    ok(sk(root, "complete", "1"))
    story = cafe.story()
    assert "status: done" in story and "tests/test_café.py::test_crème" in story  # named by the green step
    assert cafe.git("log", "-1", "--format=%s") == "feat: Café (STORY-001)\n"
    assert cafe.git("status", "--porcelain", "--", "stories", "STORY_TRACKER.md") == ""
    assert " SK5" not in ok(sk(root, "check")) and ok(sk(root, "verify", "1"))


def test_list_and_check_with_old_story_files_under_a_c_locale(cafe: Project) -> None:
    """The cache stores only files older than 2 s: set them into the past, so that the
    cache writer runs at once (the flaky test_utf8_whatever_the_locale[C-no-utf8-mode])."""
    root = cafe.root
    ok(sk(root, "new", "feature", "--title", "Crème brûlée", "--tests", "tests/test_crème.py"))
    past = time.time() - 3600
    for path in (root / "stories").iterdir():
        os.utime(path, (past, past))
    assert "Crème brûlée" in ok(sk(root, "list"))
    assert "Crème brûlée" in ok(sk(root, "list"))  # now from the cache
    ok(sk(root, "check"))
    assert any((root / ".storykit" / "cache").iterdir())


def test_the_cache_writer_never_fails_a_command_whatever_the_locale(cafe: Project) -> None:
    """The cache module itself, in a process whose file system encoding is ASCII."""
    root = cafe.root
    ok(sk(root, "new", "feature", "--title", "Zoë", "--tests", "tests/test_zoë.py"))
    past = time.time() - 3600
    for path in (root / "stories").iterdir():
        os.utime(path, (past, past))
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from storykit.project.cache import MetaCache
        from storykit.story.model import load_meta
        assert sys.getfilesystemencoding() == "ascii", sys.getfilesystemencoding()
        root = Path.cwd()
        cache = MetaCache(root / ".storykit", root / "stories")
        metas = [cache.meta(p, load_meta) for p in sorted((root / "stories").glob("*.md"))]
        cache.save()
        print(metas[0]["title"].encode("utf-8").decode("ascii", "backslashreplace"))
    """)
    proc = subprocess.run([sys.executable, "-X", "utf8=0", "-c", script], cwd=root, env=c_env(), capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert proc.stdout == b"Zo\\xc3\\xab\n"
