"""Saves close together: a story saved less than 2 s before another is still trusted
(by the content digest the first save recorded), so the second save updates rows too."""

from __future__ import annotations

import os
from pathlib import Path

from storykit.project import config, tracker
from storykit.project.store import Project
from test_tracker_rows import full, make, save_one, sid


def saved(project: Project, path: Path, meta: dict) -> None:
    known, old = save_one(project, path, meta)
    assert known is not None
    project.invalidate()
    assert tracker.update(project, known, {path: old}) is not None  # the row path
    tracker.save(project, known, {path: old}, {path: path.read_bytes()})


def test_a_story_saved_a_moment_before_another_keeps_the_row_path(tmp_path: Path) -> None:
    metas = [{"id": sid(1), "title": "One", "status": "red"}, {"id": sid(2), "title": "Two", "status": "red"}]
    project, paths = make(tmp_path, metas)
    saved(project, paths[0], {**metas[0], "status": "green"})
    # STORY-001 was written less than 2 s ago: trusted by the digest of its content
    saved(Project(config.from_mapping(tmp_path, {})), paths[1], {**metas[1], "status": "green"})
    assert tracker.prove(Project(config.from_mapping(tmp_path, {}))) is not None
    assert (tmp_path / "STORY_TRACKER.md").read_text(encoding="utf-8") == full(tmp_path)


def test_a_fresh_story_changed_after_its_save_is_still_seen(tmp_path: Path) -> None:
    metas = [{"id": sid(1), "title": "One", "status": "red"}, {"id": sid(2), "title": "Two", "status": "red"}]
    project, paths = make(tmp_path, metas)
    saved(project, paths[0], {**metas[0], "status": "green"})
    saved(Project(config.from_mapping(tmp_path, {})), paths[1], {**metas[1], "status": "green"})
    stamp = paths[0].stat()
    data = paths[0].read_bytes()
    paths[0].write_bytes(data.replace(b"title: One", b"title: Uno"))  # same size
    os.utime(paths[0], ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # same time
    assert tracker.prove(Project(config.from_mapping(tmp_path, {}))) is None
