"""The key of a result kept in .storykit/cache (cache.ResultCache): the same files under
the same stamps give the same key, whatever order they were stamped in (a cold check
stamps stories as the workers send them, a warm one in file order); any other name,
size or mtime gives another."""

from __future__ import annotations

from pathlib import Path

from storykit.project.cache import ResultCache

STAMPS = {f"STORY-{n:03d}-x.md": (100 + n, 1_700_000_000_000_000_000 + n) for n in range(50)}


def key(tmp_path: Path, stamps: dict[str, tuple[int, int]]) -> str:
    return ResultCache(tmp_path, "check-project", stamps, "salt").key


def test_the_same_stamps_in_any_order_give_the_same_key(tmp_path: Path) -> None:
    assert key(tmp_path, STAMPS) == key(tmp_path, dict(reversed(list(STAMPS.items()))))


def test_any_other_name_size_or_mtime_gives_another_key(tmp_path: Path) -> None:
    first = "STORY-000-x.md"
    size, mtime = STAMPS[first]
    keys = {key(tmp_path, STAMPS),
            key(tmp_path, {**STAMPS, first: (size + 1, mtime)}),
            key(tmp_path, {**STAMPS, first: (size, mtime + 1)}),
            key(tmp_path, {**STAMPS, first: (mtime, size)}),
            key(tmp_path, {"STORY-000-y.md" if k == first else k: v for k, v in STAMPS.items()}),
            key(tmp_path, {k: v for k, v in STAMPS.items() if k != first})}
    assert len(keys) == 6


def test_a_stamp_beyond_64_bits_still_keys(tmp_path: Path) -> None:
    big = {**STAMPS, "STORY-000-x.md": (2**64, 1)}
    assert key(tmp_path, big) == key(tmp_path, dict(big)) != key(tmp_path, STAMPS)
