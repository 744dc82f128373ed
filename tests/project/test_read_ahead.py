"""A fresh clone's stories are parsed on every core, and each worker hands back its
entries ready to store: the front matter and the exact JSON the cache keeps of it.
The command's own process only takes the results (storykit.project.cache.MetaCache.read_ahead).

Files are plain text here, read by a tiny loader, so hundreds of them cost nothing;
real projects read ahead are in tests/project/test_parallel_loading.py."""

from __future__ import annotations

import datetime
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from storykit.errors import StorykitError
from storykit.project.cache import SHARDS, MetaCache
from storykit.project.loading import PARALLEL_FROM, workers

COUNT = PARALLEL_FROM + 50
AN_HOUR_AGO = time.time_ns() - 3600 * 10**9


def read(path: Path) -> dict[str, Any]:
    """The loader: a file's text as its 'front matter'; 'bad' files fail as a story would."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("bad"):
        raise StorykitError(f"{path}:1: no YAML front matter", hint="restore it from git")
    if text.startswith("date"):
        return {"title": text, "created": datetime.date(2026, 11, 29)}  # JSON cannot hold it
    return {"title": text, "n": len(text), "tags": [text[:3]]}


def read_where(path: Path) -> dict[str, Any]:
    """The loader, telling which process parsed the file."""
    return {**read(path), "pid": os.getpid()}


def files(folder: Path, count: int = COUNT) -> list[Path]:
    folder.mkdir()
    paths = []
    for n in range(count):
        path = folder / f"STORY-{n:04d}-s.md"
        path.write_text(f"story {n} ✅", encoding="utf-8")
        os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO))  # old enough to be stored
        paths.append(path)
    return paths


def shards(state: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((state / "cache").glob("*.json"))}


def read_slowly(path: Path) -> dict[str, Any]:
    """The loader, telling which process parsed the file, slowly enough for every core to take some."""
    time.sleep(0.0003)
    return read_where(path)


def test_what_is_read_ahead_is_parsed_on_every_core_and_only_taken_by_meta(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read_slowly)
    metas = [cache.meta(path, lambda p: pytest.fail(f"{p} parsed again by meta()")) for path in paths]
    parsed_by = {meta["pid"] for meta in metas}
    assert os.getpid() in parsed_by and len(parsed_by) == min(workers(), SHARDS)  # a group per cache file
    assert [m["title"] for m in metas] == [f"story {n} ✅" for n in range(COUNT)]


def test_what_is_read_ahead_is_stored_byte_for_byte_as_a_serial_read_stores_it(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    ahead = MetaCache(tmp_path / "ahead", tmp_path / "stories")
    ahead.read_ahead(paths, read)
    metas = [ahead.meta(path, read) for path in paths]
    ahead.save()
    serial = MetaCache(tmp_path / "serial", tmp_path / "stories")
    assert [serial.meta(path, read) for path in paths] == metas
    serial.save()
    assert shards(tmp_path / "ahead") == shards(tmp_path / "serial")
    assert len(shards(tmp_path / "ahead")) == SHARDS
    again = MetaCache(tmp_path / "ahead", tmp_path / "stories")
    assert again.unknown(paths) == []
    assert [again.meta(path, lambda p: pytest.fail(f"{p} parsed again")) for path in paths] == metas


def test_a_file_changed_after_it_was_read_ahead_is_taken_as_read_and_read_again_by_the_next_pass(
        tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read_where)
    changed = paths[7]
    changed.write_text("story seven, renamed", encoding="utf-8")
    os.utime(changed, ns=(AN_HOUR_AGO + 10**9, AN_HOUR_AGO + 10**9))
    metas = [cache.meta(path, read_where) for path in paths]
    cache.save()
    assert metas[7]["title"] == "story 7 ✅"  # as it was read, with the stamp taken before reading it
    assert cache.stamps[changed.name] == (len("story 7 ✅".encode()), AN_HOUR_AGO)
    assert MetaCache(tmp_path / "state", tmp_path / "stories").meta(changed, read)["title"] == "story seven, renamed"


def test_a_file_gone_after_it_was_listed_is_named_by_meta_and_the_others_are_read(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    gone = paths[123]
    gone.unlink()
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read)  # no exception: the worker that met it carries on
    with pytest.raises(FileNotFoundError):
        cache.meta(gone, read)
    assert [cache.meta(path, read)["title"] for path in paths if path != gone] == [
        f"story {n} ✅" for n in range(COUNT) if n != 123]


def test_a_worker_s_error_is_raised_for_its_file_and_nothing_is_stored_for_it(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    bad = paths[300]
    bad.write_text("bad story", encoding="utf-8")
    os.utime(bad, ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read)
    errors = []
    for path in paths:
        try:
            cache.meta(path, read)
        except StorykitError as exc:
            errors.append((exc.message, exc.hint))
    cache.save()
    assert errors == [(f"{bad}:1: no YAML front matter", "restore it from git")]
    assert MetaCache(tmp_path / "state", tmp_path / "stories").unknown(paths) == [bad]


def test_front_matter_json_cannot_hold_is_returned_but_not_stored(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    dated = paths[-1]
    dated.write_text("date story", encoding="utf-8")
    os.utime(dated, ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read)
    metas = [cache.meta(path, read) for path in paths]
    cache.save()
    assert metas[-1]["created"] == datetime.date(2026, 11, 29)
    assert MetaCache(tmp_path / "state", tmp_path / "stories").unknown(paths) == [dated]


def test_a_worker_s_group_json_cannot_hold_comes_back_as_it_was_read(tmp_path: Path) -> None:
    """A worker sends a group back as the JSON it wrote to its shard; a group with front
    matter JSON cannot hold (every file here: a date) is pickled, and comes back whole."""
    paths = files(tmp_path / "stories")
    for path in paths:
        path.write_text(f"date {path.name}", encoding="utf-8")
        os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read_slowly)
    metas = [cache.meta(path, read_slowly) for path in paths]
    assert [meta["title"] for meta in metas] == [f"date {path.name}" for path in paths]
    assert all(meta["created"] == datetime.date(2026, 11, 29) for meta in metas)
    assert workers() < 2 or {meta["pid"] for meta in metas} - {os.getpid()}  # (some came from a worker)


def test_too_few_files_to_read_ahead_are_read_by_meta_itself(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories", count=20)
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read_where)
    assert {cache.meta(path, read_where)["pid"] for path in paths} == {os.getpid()}


def test_in_a_fresh_cache_the_workers_write_the_shards_and_this_process_writes_none_again(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read)
    if workers() < 2:
        return  # one core: meta() reads each file, save() writes (the other tests)
    written = {p.name: (p.stat().st_ino, p.read_bytes()) for p in (tmp_path / "state" / "cache").glob("*.json")}
    assert len(written) == SHARDS  # before meta() or save(): by the workers
    for path in paths:
        cache.meta(path, lambda p: pytest.fail(f"{p} parsed in this process"))
    cache.save()
    assert {p.name: (p.stat().st_ino, p.read_bytes())
            for p in (tmp_path / "state" / "cache").glob("*.json")} == written


def test_a_story_too_fresh_to_trust_its_stamp_is_not_written_by_a_worker(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    fresh = paths[42]
    fresh.write_text("story just written", encoding="utf-8")  # its mtime is now
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read)
    metas = [cache.meta(path, read) for path in paths]
    cache.save()
    assert metas[42]["title"] == "story just written"
    assert MetaCache(tmp_path / "state", tmp_path / "stories").unknown(paths) == [fresh]


def test_meta_tells_which_entries_it_took_from_this_pass_s_read_ahead(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    cache = MetaCache(tmp_path / "state", tmp_path / "stories")
    cache.read_ahead(paths, read)
    assert not any(cache.read_in_this_pass(path) for path in paths)  # not taken yet
    metas = [cache.meta(path, read) for path in paths]
    assert all(cache.read_in_this_pass(path) for path in paths)
    cache.save()
    assert not any(cache.read_in_this_pass(path) for path in paths)  # a pass ends with save()
    warm = MetaCache(tmp_path / "state", tmp_path / "stories")  # the next pass: every entry from the cache
    assert [warm.meta(path, read) for path in paths] == metas
    assert not any(warm.read_in_this_pass(path) for path in paths)


def test_a_change_of_one_story_rewrites_a_small_part_of_the_cache(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories", 640)
    first = MetaCache(tmp_path / "state", tmp_path / "stories")
    metas = [first.meta(path, read) for path in paths]
    first.save()
    before = shards(tmp_path / "state")
    changed = paths[7]
    changed.write_text("story 7, changed", encoding="utf-8")
    os.utime(changed, ns=(AN_HOUR_AGO + 1, AN_HOUR_AGO + 1))  # old enough to be stored
    second = MetaCache(tmp_path / "state", tmp_path / "stories")
    assert [second.meta(path, read) for path in paths] == [*metas[:7], read(changed), *metas[8:]]
    second.save()
    after = shards(tmp_path / "state")
    rewritten = [name for name in after if after[name] != before[name]]
    assert len(rewritten) == 1
    entries = json.loads(after[rewritten[0]])["entries"]
    assert changed.name in entries and len(entries) <= len(paths) // 32  # about a sixty-fourth of the stories


def test_each_group_read_ahead_is_handed_over_as_soon_as_it_is_in_and_meta_gives_it(tmp_path: Path) -> None:
    paths = files(tmp_path / "stories")
    cache = MetaCache(tmp_path / ".storykit", tmp_path / "stories")
    handed: list[Path] = []
    seen: dict[Path, Any] = {}

    def each(group: list[Path]) -> None:  # what a command does with each story as it comes in
        handed.extend(group)
        for path in group:
            seen[path] = cache.meta(path, read)

    cache.read_ahead(paths, read_slowly, each=each)
    if workers() < 2:
        assert handed == []  # nothing read ahead: the command reads each file itself
        return
    assert sorted(handed) == sorted(paths)  # every file once
    assert all({k: v for k, v in seen[path].items() if k != "pid"} == read(path) for path in paths)
    assert len({meta["pid"] for meta in seen.values()}) > 1  # parsed on every core
    assert cache.read_in_this_pass(paths[0])
