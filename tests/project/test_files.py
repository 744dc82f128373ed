"""Writes and the project lock (issue 3): atomic replace, kept file mode, nothing
written when nothing changed; two storykit processes never interleave their writes;
a lock left by a killed process never blocks the next run."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import Project
from storykit.project.files import write_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# -- write_atomic ----------------------------------------------------------------------------

def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        assert write_atomic(tmp_path / "new.md", b"x\n") is True
    finally:
        os.umask(old)
    assert mode(tmp_path / "new.md") == 0o640
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kept", [0o600, 0o644, 0o755, 0o664])
def test_existing_file_keeps_its_mode(tmp_path: Path, kept: int) -> None:
    path = tmp_path / "story.md"
    path.write_bytes(b"old\n")
    path.chmod(kept)
    assert write_atomic(path, b"new\n") is True
    assert path.read_bytes() == b"new\n"
    assert mode(path) == kept


def test_nothing_written_when_nothing_changed(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_bytes(b"same\r\n")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = path.stat()
    assert write_atomic(path, b"same\r\n") is False
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_replace_is_atomic_new_inode(tmp_path: Path) -> None:
    """The file is replaced, never rewritten in place: a reader holding the old file
    sees the old bytes whole, and the path shows the new bytes whole."""
    path = tmp_path / "story.md"
    path.write_bytes(b"old contents\n")
    with path.open("rb") as reader:
        assert write_atomic(path, b"new contents\n")
        assert reader.read() == b"old contents\n"
    assert path.read_bytes() == b"new contents\n"


def test_failed_replace_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "story.md"
    path.write_bytes(b"old\n")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)  # the disk, not storykit, fails
    with pytest.raises(OSError):
        write_atomic(path, b"new\n")
    assert path.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_interrupted_write_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "story.md"
    path.write_bytes(b"old\n")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)  # Ctrl-C while the disk syncs
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, b"new\n")
    assert path.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_story_and_tracker_keep_their_modes_through_a_run(project: Project) -> None:
    assert project.new().exit_code == 0
    story = project.story_path()
    tracker = project.root / "STORY_TRACKER.md"
    story.chmod(0o600)
    tracker.chmod(0o664)
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    assert "status: red" in project.story()
    assert (mode(story), mode(tracker)) == (0o600, 0o664)
    assert leftovers(story.parent) == [] and leftovers(project.root) == []


def test_tracker_is_current_after_each_transition(project: Project) -> None:
    assert project.new().exit_code == 0
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    assert project.run("tracker", "--check").exit_code == 0
    assert "| ❌ Red (tests failing) |" in project.read("STORY_TRACKER.md").split("## Stories")[1]
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0
    assert project.run("tracker", "--check").exit_code == 0


def test_tracker_untouched_when_current(project: Project) -> None:
    tracker = project.root / "STORY_TRACKER.md"
    os.utime(tracker, ns=(1_000_000_000, 1_000_000_000))
    before = tracker.stat()
    result = project.run("tracker")
    assert result.stdout == "STORY_TRACKER.md already up to date\n"
    assert (tracker.stat().st_ino, tracker.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# -- the lock -----------------------------------------------------------------------------------

HOLDER = """\
import sys
from pathlib import Path
from storykit.project.files import project_lock
with project_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def hold_lock(project: Project) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(project.root / ".storykit")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_lock_of_a_killed_process_never_blocks(project: Project) -> None:
    holder = hold_lock(project)
    holder.kill()
    holder.wait()
    assert (project.root / ".storykit" / "lock").exists()  # the file stays; the kernel dropped the lock
    began = time.monotonic()
    result = project.sk("new", "feature", "--title", "After a kill", "--tests", "tests/t.py")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - began < 10  # not the 30 s lock timeout


def test_a_second_process_waits_for_the_lock(project: Project) -> None:
    holder = hold_lock(project)
    try:
        waiting = subprocess.Popen([sys.executable, "-m", "storykit", "new", "feature", "--title", "Waits",
                                    "--tests", "tests/t.py"], cwd=project.root, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert waiting.poll() is None  # blocked on the lock...
        assert list((project.root / "stories").glob("*.md")) == []  # ...before writing anything
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        out, err = waiting.communicate(timeout=30)
        assert waiting.returncode == 0, err
        assert out == "stories/STORY-001-waits.md\n"
    finally:
        holder.kill()
        holder.wait()


def test_concurrent_new_never_share_an_id(project: Project) -> None:
    processes = [subprocess.Popen([sys.executable, "-m", "storykit", "new", "feature", "--title", f"Story {n}",
                                   "--tests", "tests/t.py"], cwd=project.root, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for n in range(4)]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    names = sorted(p.name for p in (project.root / "stories").glob("*.md"))
    assert [name[:9] for name in names] == ["STORY-001", "STORY-002", "STORY-003", "STORY-004"]
    assert project.run("tracker", "--check").exit_code == 0  # the last writer saw every story


def test_tracker_stays_current_when_another_story_changes_during_a_run(project: Project, tmp_path: Path) -> None:
    """run-tests of STORY-001 and complete of STORY-002 at the same time: each writes
    the tracker from the stories as they are under the lock, never from a stale read."""
    assert project.new(title="One").exit_code == 0
    assert project.new(title="Two", tests="tests/test_two.py").exit_code == 0
    project.tests_file("two", failing=2, rel="tests/test_two.py")
    assert project.run("run-tests", "2").exit_code == 0
    project.tests_file("two", passing=2, rel="tests/test_two.py")
    assert project.run("run-tests", "2").exit_code == 0
    project.tick_all("STORY-002")
    # The whole suite at completion would wait for STORY-001's held test: not what this is about.
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + "whole_suite = false\n")
    flag, waiting = tmp_path / "go", tmp_path / "waiting"
    project.write("tests/test_feature.py", (
        "import pathlib, time\n"
        "def test_feature_0():\n"
        f"    pathlib.Path({str(waiting)!r}).touch()\n"
        f"    while not pathlib.Path({str(flag)!r}).exists():\n"
        "        time.sleep(0.05)\n"
        "    assert False\n"))
    running = subprocess.Popen([sys.executable, "-m", "storykit", "run-tests", "1"], cwd=project.root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not waiting.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    done = project.run("complete", "2", "--no-commit")
    assert done.exit_code == 0, done.output
    flag.touch()
    _, err = running.communicate(timeout=60)
    assert running.returncode == 0, err
    assert project.run("tracker", "--check").exit_code == 0, project.read("STORY_TRACKER.md")
    statuses = {yaml.safe_load(p.read_text().split("---\n", 2)[1])["id"]: yaml.safe_load(
        p.read_text().split("---\n", 2)[1])["status"] for p in (project.root / "stories").glob("*.md")}
    assert statuses == {"STORY-001": "red", "STORY-002": "done"}
