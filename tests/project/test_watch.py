"""A watch of the stories folder (Linux inotify): what run-tests uses to know, after
the tests ran, that the stat pass it made before them still holds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import importlib
from typing import Any

import pytest


def watch_module() -> Any:
    return importlib.import_module("storykit.project.watch")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "STORY-001-one.md").write_text("---\nid: STORY-001\n---\n", encoding="utf-8")
    return stories


def watching(folder: Path) -> Any:
    watch = watch_module().FolderWatch.start(folder)
    assert watch is not None  # a local file system on Linux
    return watch


def test_nothing_done_is_quiet(folder: Path) -> None:
    watch = watching(folder)
    (folder / "STORY-001-one.md").read_bytes()  # reading is no change
    os.stat(folder / "STORY-001-one.md")
    assert watch.quiet()
    assert watch.quiet()  # asking again changes nothing


@pytest.mark.parametrize("change", ["append", "same size", "touch", "create", "delete", "rename in", "rename out",
                                    "replace"])
def test_every_change_of_a_story_file_is_seen(folder: Path, change: str) -> None:
    path = folder / "STORY-001-one.md"
    outside = folder.parent / "elsewhere.md"
    outside.write_text("x", encoding="utf-8")
    watch = watching(folder)
    stamp = path.stat()
    if change == "append":
        with path.open("a", encoding="utf-8") as handle:
            handle.write("more\n")
    elif change == "same size":  # the change a stat pass cannot see: same size, same time
        path.write_bytes(path.read_bytes().replace(b"001", b"002"))
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    elif change == "touch":
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))
    elif change == "create":
        (folder / "STORY-002-two.md").write_text("new\n", encoding="utf-8")
    elif change == "delete":
        path.unlink()
    elif change == "rename in":
        outside.rename(folder / "STORY-003-three.md")
    elif change == "rename out":
        path.rename(outside)
    else:  # an atomic write, as every editor and storykit itself make
        temporary = folder / ".STORY-001-one.md.tmp"
        temporary.write_text("replaced\n", encoding="utf-8")
        temporary.replace(path)
    assert not watch.quiet()


def test_files_that_are_no_stories_do_not_count(folder: Path) -> None:
    watch = watching(folder)
    (folder / ".STORY-001-one.md.swp").write_bytes(b"an editor's swap file")
    (folder / "notes.txt").write_text("not a story\n", encoding="utf-8")
    (folder / ".evidence").mkdir()
    (folder / ".evidence" / "STORY-001.json").write_text("{}", encoding="utf-8")
    assert watch.quiet()


def test_the_folder_itself_removed_or_moved_is_seen(folder: Path) -> None:
    watch = watching(folder)
    shutil.rmtree(folder)
    assert not watch.quiet()
    folder.mkdir()
    moved = watching(folder)
    folder.rename(folder.parent / "other")
    assert not moved.quiet()


def test_a_closed_watch_proves_nothing(folder: Path) -> None:
    watch = watching(folder)
    watch.close()
    assert not watch.quiet()
    watch.close()  # twice is harmless


def test_no_folder_no_watch(tmp_path: Path) -> None:
    assert watch_module().FolderWatch.start(tmp_path / "missing") is None


def test_story_names_are_the_ones_a_stat_pass_counts() -> None:
    is_story_name = watch_module().is_story_name
    assert is_story_name("STORY-001-one.md")
    assert is_story_name("anything.md")
    assert not is_story_name(".STORY-001-one.md")
    assert not is_story_name("STORY-001-one.md.swp")
    assert not is_story_name("notes.txt")
