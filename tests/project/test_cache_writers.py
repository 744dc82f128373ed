"""Several processes writing storykit's cache at once, into a folder none of them found:
each one's files are written (a fresh clone's read-ahead workers do exactly this)."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

from storykit.project.cache import MetaCache

WRITERS = 8
AN_HOUR_AGO = time.time_ns() - 3600 * 10**9


def _write_when_all_are_ready(state: str, folder: str, kind: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    cache = MetaCache(Path(state), Path(folder), kind=kind)
    story = Path(folder) / "STORY-001-a.md"
    cache.meta(story, lambda path: {"title": path.read_text(encoding="utf-8")})
    barrier.wait()  # every writer finds no state folder, then all create it at once
    cache.save()


def test_writers_creating_the_cache_folder_at_once_all_write_their_files(tmp_path: Path) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "STORY-001-a.md").write_text("a story", encoding="utf-8")
    os.utime(folder / "STORY-001-a.md", ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    context = multiprocessing.get_context("fork")
    for attempt in range(20):  # the race is lost often, not always
        state = tmp_path / f"state-{attempt}"
        barrier = context.Barrier(WRITERS)
        writers = [context.Process(target=_write_when_all_are_ready,
                                   args=(str(state), str(folder), f"kind{n}", barrier)) for n in range(WRITERS)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(30)
        assert [writer.exitcode for writer in writers] == [0] * WRITERS
        written = sorted(path.name.split("-")[0] for path in (state / "cache").glob("*.json"))
        assert written == sorted(f"kind{n}" for n in range(WRITERS)), f"attempt {attempt}: {written}"
        assert (state / ".gitignore").read_text(encoding="utf-8") == "*\n"  # git-ignored, as init makes it


def test_a_file_where_the_cache_folder_belongs_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "STORY-001-a.md").write_text("a story", encoding="utf-8")
    os.utime(folder / "STORY-001-a.md", ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    state = tmp_path / "state"
    cache = MetaCache(state, folder)
    state.write_text("not a folder", encoding="utf-8")  # made after the cache looked: it only finds out writing
    assert cache.meta(folder / "STORY-001-a.md", lambda path: {"title": "a"}) == {"title": "a"}
    cache.save()  # a cache never fails a command
    assert state.read_text(encoding="utf-8") == "not a folder"
