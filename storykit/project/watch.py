"""A watch of the stories folder: whether any story file changed since a moment.

run-tests proves the tracker current (a ``stat`` of every story file) in a thread while
its tests run, instead of after them; the watch, started before that stat pass, says
after the run whether the proof still holds.  It is Linux's
inotify, read through ctypes, on local file systems only (a change made by another
machine on a network file system raises no event); anywhere else ``start`` returns
None and the caller proves again after the run, as it always did.  Any event on a name
a stat pass counts, any lost event (queue overflow) and the folder itself removed or
moved all answer "changed".  Writes through ``mmap`` raise no inotify event: that one
way of changing a story while its tests run is left to ``storykit tracker --check``.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
from pathlib import Path
from typing import Any

_MASK = (0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200  # modify, attrib, close_write, moved from/to, create, delete
         | 0x400 | 0x800)  # the folder itself deleted or moved
_GONE = 0x400 | 0x800 | 0x2000 | 0x4000 | 0x8000  # ..., unmounted, queue overflow, watch removed
_NONBLOCK, _CLOEXEC = 0o4000, 0o2000000
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)
# Local file systems whose changes all pass through this kernel (statfs f_type):
# ext2/3/4, xfs, btrfs, tmpfs, overlayfs, f2fs, zfs, reiserfs, jfs.
_LOCAL = {0xEF53, 0x58465342, 0x9123683E, 0x01021994, 0x794C7630, 0xF2F52010, 0x2FC12FC1, 0x52654973, 0x3153464A}


def is_story_name(name: str) -> bool:
    """A name the tracker's stat pass counts as a story file (``tracker.prove``)."""
    return name.endswith(".md") and not name.startswith(".")


def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _local(libc: Any, folder: Path) -> bool:
    import ctypes

    buffer = ctypes.create_string_buffer(256)  # struct statfs: f_type first, a native long
    if libc.statfs(os.fsencode(folder), buffer) != 0:
        return False
    return ctypes.c_long.from_buffer(buffer).value in _LOCAL


class FolderWatch:
    """Changes to the story files of one folder (its direct children) since ``start``."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def start(cls, folder: Path) -> FolderWatch | None:
        """A watch of ``folder``; None where none can be trusted (not Linux, not a
        local file system, no such folder, inotify unavailable or out of instances)."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = _libc()
            if not _local(libc, folder):
                return None
            fd = libc.inotify_init1(_NONBLOCK | _CLOEXEC)
        except (OSError, AttributeError, ValueError):
            return None
        if fd < 0:
            return None
        if libc.inotify_add_watch(fd, os.fsencode(folder), _MASK) < 0:
            os.close(fd)
            return None
        return cls(fd)

    def quiet(self) -> bool:
        """True when no story file of the folder changed since ``start`` (and the
        folder is still there): every event is read, none is lost."""
        if self._fd is None:
            return False
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return True
            except OSError:
                self.close()
                return False
            at = 0
            while at + _EVENT.size <= len(data):
                _, mask, _, length = _EVENT.unpack_from(data, at)
                name = data[at + _EVENT.size:at + _EVENT.size + length].rstrip(b"\0")
                at += _EVENT.size + length
                if mask & _GONE or not name or is_story_name(os.fsdecode(name)):
                    self.close()
                    return False

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def close_beside(self) -> None:
        """``close``, the kernel's part in a thread: closing an inotify descriptor waits
        for the kernel to retire its watch (about 20 ms here), which the caller need not
        wait for.  The watch answers "changed" from now on, as after ``close``."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        import threading

        def close() -> None:
            with contextlib.suppress(OSError):
                os.close(fd)

        try:
            threading.Thread(target=close, name="storykit-watch-close", daemon=True).start()
        except RuntimeError:  # no thread to be had: close it here
            close()

    def __del__(self) -> None:
        self.close()
