"""Less work beside and after a test run (issue 12, the test tax): the project lock is
the kernel's flock itself where there is one, the same lock filelock takes (so storykit
versions that take it through filelock and this one exclude each other), without
importing filelock; and a watch of the stories folder is closed beside the save (the
kernel takes about 20 ms to retire an inotify descriptor)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from storykit.errors import Refused
from storykit.project.files import project_lock
from storykit.project.watch import FolderWatch

FILELOCK_HOLDER = """\
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
sys.stdin.readline()
"""

FILELOCK_TRIES = """\
import sys
from filelock import FileLock, Timeout
try:
    FileLock(sys.argv[1]).acquire(timeout=0.3)
except Timeout:
    sys.exit(3)
print("acquired")
"""

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="flock and inotify: Linux")


def test_the_lock_waits_for_a_storykit_that_holds_it_through_filelock(tmp_path: Path) -> None:
    state = tmp_path / ".storykit"
    state.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", FILELOCK_HOLDER, str(state / "lock")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        began = time.monotonic()
        with pytest.raises(Refused) as refused, project_lock(state, timeout=1.0):
            pass
        assert str(refused.value) == ("another storykit process has held .storykit/lock for 1 s; "
                                      "wait for it to finish and run again")
        assert time.monotonic() - began >= 1.0
    finally:
        holder.kill()
        holder.wait()
    with project_lock(state, timeout=1.0):  # the kernel dropped the holder's lock with it
        pass


def test_filelock_waits_while_the_lock_is_held_and_takes_it_after(tmp_path: Path) -> None:
    state = tmp_path / ".storykit"
    with project_lock(state):
        tried = subprocess.run([sys.executable, "-c", FILELOCK_TRIES, str(state / "lock")], capture_output=True,
                               text=True, timeout=60)
        assert tried.returncode == 3, tried.stderr
    tried = subprocess.run([sys.executable, "-c", FILELOCK_TRIES, str(state / "lock")], capture_output=True,
                           text=True, timeout=60)
    assert (tried.returncode, tried.stdout) == (0, "acquired\n")


def test_the_lock_is_taken_again_after_it_is_released_and_after_an_error(tmp_path: Path) -> None:
    state = tmp_path / ".storykit"
    with project_lock(state):
        assert (state / "lock").is_file()
    with pytest.raises(ValueError), project_lock(state):
        raise ValueError("inside")
    with project_lock(state, timeout=0.5):
        pass
    fds = {name for name in os.listdir("/proc/self/fd")} if Path("/proc/self/fd").is_dir() else set()
    with project_lock(state):
        pass
    if fds:
        assert {name for name in os.listdir("/proc/self/fd")} == fds  # no descriptor left open


@linux
def test_taking_the_lock_imports_no_filelock(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from storykit.project.files import project_lock\n"
            "with project_lock(Path(sys.argv[1])): pass\n"
            "print('filelock' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / ".storykit")], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout) == (0, "False\n"), done.stderr


def inotify_descriptors() -> int:
    folder = Path("/proc/self/fd")
    count = 0
    for name in os.listdir(folder):
        try:
            count += os.readlink(folder / name) == "anon_inode:inotify"
        except OSError:
            continue
    return count


@linux
def test_a_watch_closed_beside_proves_nothing_and_its_descriptor_goes(tmp_path: Path) -> None:
    (tmp_path / "STORY-001-a.md").write_text("a\n", encoding="utf-8")
    before = inotify_descriptors()
    watch = FolderWatch.start(tmp_path)
    if watch is None:
        pytest.skip("no inotify watch on this file system")
    assert inotify_descriptors() == before + 1
    assert watch.quiet()
    watch.close_beside()
    assert not watch.quiet()  # closed: it answers "changed", as after close
    watch.close_beside()  # twice: nothing more
    for thread in threading.enumerate():
        if thread.name == "storykit-watch-close":
            thread.join(timeout=10)
    assert inotify_descriptors() == before
