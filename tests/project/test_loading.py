"""Parallel front-matter loading: when it declines, and how its results are taken.

(Real cold reads of 900 stories on every core are in tests/project/test_parallel_loading.py.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from storykit.errors import StorykitError
from storykit.project.loading import PARALLEL_FROM, Loaded, load_many, loader, workers


def read_title(path: Path) -> dict[str, Any]:
    return {"title": path.read_text(encoding="utf-8")}


def test_workers_counts_the_cores_this_process_may_use() -> None:
    assert 1 <= workers() <= (os.cpu_count() or 1)


def test_too_few_files_are_left_to_the_caller(tmp_path: Path) -> None:
    files = []
    for n in range(5):
        files.append(tmp_path / f"s{n}.md")
        files[-1].write_text(str(n), encoding="utf-8")
    assert len(files) < PARALLEL_FROM
    assert load_many(files, read_title) is None


def test_without_results_the_loader_is_the_plain_load() -> None:
    assert loader(None, read_title, {}) is read_title
    assert loader({}, read_title, {}) is read_title


def test_a_result_read_under_the_current_stamp_is_taken_else_the_file_is_read_again(tmp_path: Path) -> None:
    same, changed = tmp_path / "same.md", tmp_path / "changed.md"
    same.write_text("on disk", encoding="utf-8")
    changed.write_text("on disk now", encoding="utf-8")
    loaded: dict[Path, Loaded] = {same: ((1, 10), {"title": "from worker"}, None),
                                  changed: ((1, 10), {"title": "stale"}, None)}
    take = loader(loaded, read_title, {"same.md": (1, 10), "changed.md": (2, 20)})
    assert take(same) == {"title": "from worker"}
    assert take(changed) == {"title": "on disk now"}
    assert take(same) == {"title": "on disk"}  # each result is taken once


def test_a_worker_s_error_is_raised_as_the_serial_read_would_raise_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    loaded: dict[Path, Loaded] = {bad: ((3, 30), None, ("bad.md:1: no YAML front matter", "add one"))}
    take = loader(loaded, read_title, {"bad.md": (3, 30)})
    with pytest.raises(StorykitError) as info:
        take(bad)
    assert (info.value.message, info.value.hint) == ("bad.md:1: no YAML front matter", "add one")
