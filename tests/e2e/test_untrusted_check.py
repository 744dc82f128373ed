"""``check`` and ``tracker --check`` on an untrusted pull request (issue 10): they execute
nothing, write nothing outside the checkout, read no device or file outside it, stay
within bounded time and memory whatever a story holds, and catch evidence copied by hand.
Real processes under a memory limit and a timeout, real git, real pytest runs."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Project, copy_of, prepared
from frozen_state import state

STORY = "stories/STORY-001-add-feature.md"
MEMORY = 1 << 30  # 1 GiB of address space: an alias bomb needs far more


def _done(project: Project) -> None:
    """STORY-001 taken to done for real (red, green, complete), committed."""
    project.tests_file("feature", failing=2)
    assert project.new().exit_code == 0
    assert project.run("run-tests", "1").exit_code == 0
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tick_all()
    project.git("add", "-A")
    assert project.run("complete", "1", "--no-commit").exit_code == 0


@pytest.fixture(scope="module")
def done_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _done)


@pytest.fixture
def done(done_template: Path, tmp_path: Path) -> Project:
    return copy_of(done_template, tmp_path)


def bounded(project: Project, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """storykit in a real process with at most MEMORY of address space and ``timeout`` s."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run([sys.executable, "-m", "storykit", *args], cwd=project.root, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit)


def front_lines(project: Project, *lines: str) -> None:
    """Put ``lines`` at the end of STORY-001's front matter."""
    path = project.root / STORY
    head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    path.write_text(head + "\n" + "\n".join(lines) + "\n---\n" + body, encoding="utf-8")


BOMB = ['bomb0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'] + [
    f"bomb{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
    f"*a{i - 1}, *a{i - 1}]" for i in range(1, 10)]


def test_a_yaml_alias_bomb_is_refused_in_bounded_memory(done: Project) -> None:
    front_lines(done, *BOMB)
    before = state(done.root)
    found = bounded(done, "check")
    assert found.returncode == 1, found.stderr[-2000:]
    line = len(done.read(STORY).split("\n---\n", 1)[0].splitlines()) - len(BOMB) + 1
    assert found.stdout.splitlines()[0] == (
        f"{STORY}:{line}: SK101 YAML anchors and aliases (&a0) are not allowed in front matter; storykit never "
        "writes them: write the values out")
    listed = bounded(done, "tracker", "--check")
    assert listed.returncode == 1 and "YAML anchors and aliases" in listed.stderr
    assert state(done.root) == before


def test_front_matter_over_the_size_cap_is_refused(done: Project) -> None:
    front_lines(done, "padding: " + "x" * (256 * 1024))
    found = bounded(done, "check")
    assert found.returncode == 1
    assert found.stdout.splitlines()[0] == (
        f"{STORY}:1: SK101 the front matter is larger than 256 KiB; storykit writes far less: restore it from git")


@pytest.mark.parametrize("path", ["../../../../../../../dev/zero", "/dev/zero", "tests/fifo"])
def test_test_paths_outside_the_project_or_not_files_are_never_read(done: Project, path: str) -> None:
    os.mkfifo(done.root / "tests/fifo")  # reading a FIFO nobody writes to blocks forever
    text = done.read(STORY).replace("tests:\n- tests/test_feature.py", f"tests:\n- {path}", 1)
    (done.root / STORY).write_text(text, encoding="utf-8")
    found = bounded(done, "check", timeout=30)
    assert found.returncode == 1, found.stderr
    inside = path == "tests/fifo"
    expected = (f"SK107 test path '{path}' is not a regular file or folder in the project" if inside else
                f"SK107 test path '{path}' is outside the project")
    assert any(expected in line for line in found.stdout.splitlines()), found.stdout


def test_a_committed_storykit_symlink_is_never_written_through(done: Project, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    import shutil

    shutil.rmtree(done.root / ".storykit")
    (done.root / ".storykit").symlink_to(outside, target_is_directory=True)
    for args in (["check"], ["tracker", "--check"], ["list"]):
        result = bounded(done, *args)
        assert result.returncode == 0, (args, result.stderr)
    assert list(outside.iterdir()) == []
    (outside / "cache").mkdir()
    (outside / "cache" / "check-project.json").write_text('{"key": "x", "value": []}')
    assert bounded(done, "check").returncode == 0
    assert sorted(p.name for p in outside.rglob("*")) == ["cache", "check-project.json"]


def test_check_works_with_no_cache_at_all(done: Project) -> None:
    import shutil

    shutil.rmtree(done.root / ".storykit")
    (done.root / ".storykit").write_text("not a folder\n")
    found = bounded(done, "check")
    assert found.returncode == 0, found.stdout + found.stderr
    assert (done.root / ".storykit").read_text() == "not a folder\n"


def copy_runs(done: Project, tests: str) -> str:
    """A new story whose front matter copies STORY-001's run records; its file's path."""
    assert done.run("new", "feature", "--title", "Copied", "--tests", tests, "--min-tests", "2").exit_code == 0
    source = done.read(STORY)
    runs = source[source.index("\nstarted:"):source.index("\n---\n")]
    path = done.story_path("STORY-002")
    text = path.read_text(encoding="utf-8").replace("status: not-started", "status: done", 1)
    head, body = text.split("\n---\n", 1)
    body = body.replace("**Status:** 🔴 Not Started", "**Status:** ✅ Done")
    path.write_text(head + runs + "\n---\n" + body, encoding="utf-8")
    assert done.run("tracker").exit_code == 0
    return f"stories/{path.name}"


@pytest.mark.parametrize("tests", ["tests/test_feature.py", "tests/test_other.py"], ids=["same-tests", "other-tests"])
def test_run_records_copied_from_another_story_fail_check(done: Project, tests: str) -> None:
    rel = copy_runs(done, tests)
    found = bounded(done, "check")
    assert found.returncode == 1, found.stdout
    ours = [line for line in found.stdout.splitlines() if line.startswith(rel) and " SK506 " in line]
    assert ours, found.stdout
    assert "does not belong to STORY-002" in ours[0]


def test_the_real_done_story_passes(done: Project) -> None:
    before = state(done.root)
    found = bounded(done, "check")
    assert found.returncode == 0, found.stdout
    assert state(done.root) == before


def test_writing_commands_refuse_a_storykit_symlink_before_running(done: Project, tmp_path: Path) -> None:
    import shutil

    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(done.root / ".storykit")
    (done.root / ".storykit").symlink_to(outside, target_is_directory=True)
    done.tests_file("next", failing=1, rel="tests/test_next.py")
    before = state(done.root)
    for args in (["new", "feature", "--title", "Next", "--tests", "tests/test_next.py"], ["run-tests", "1"]):
        result = done.sk(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr == (f"Error: .storykit is a symbolic link (to {outside}); storykit keeps its lock, "
                                 "logs and cache there, inside the project; remove the link (rm .storykit) and "
                                 "run again\n")
    assert state(done.root) == before
    assert list(outside.iterdir()) == []
