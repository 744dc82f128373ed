"""storykit.story.model.read_bytes: what Path.read_bytes gives, with fewer system calls
(every story of a fresh clone is read once by list, check and the tracker)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storykit.story import model


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 65536, 65537, 300_000])
def test_a_file_of_any_size_is_read_whole(tmp_path: Path, size: int) -> None:
    path = tmp_path / "story.md"
    data = bytes((i * 7 + size) % 256 for i in range(size))
    path.write_bytes(data)
    assert model.read_bytes(path) == data == path.read_bytes()
    assert model.read_bytes(str(path)) == data


def test_a_file_whose_size_the_kernel_does_not_know_is_read_to_its_end() -> None:
    # /proc files say they are empty (st_size 0), yet hold text: the read goes on to the end
    data = model.read_bytes(Path("/proc/self/status"))
    assert data.startswith(b"Name:") and b"\nPid:" in data and data.endswith(b"\n")


@pytest.mark.parametrize("make, error", [
    (lambda p: None, FileNotFoundError),
    (lambda p: p.mkdir(), IsADirectoryError),
])
def test_what_cannot_be_read_raises_the_os_error_path_read_bytes_raises(tmp_path: Path, make, error) -> None:
    path = tmp_path / "story.md"
    make(path)
    before = open_fds()
    with pytest.raises(error):
        path.read_bytes()
    with pytest.raises(error):
        model.read_bytes(path)
    assert open_fds() == before  # the descriptor is closed on the error too


def test_reading_thousands_of_files_leaves_no_descriptor_open(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text("---\nid: STORY-001\n---\n", encoding="utf-8")
    before = open_fds()
    for _ in range(3000):
        model.read_bytes(path)
    assert open_fds() == before


def test_stories_are_read_through_it(tmp_path: Path) -> None:
    path = tmp_path / "STORY-001-x.md"
    front = "id: STORY-001\ntitle: Café ✅\nstatus: not-started\ntemplate: feature\ncreated: '2026-11-29'\n"
    path.write_bytes(f"---\n{front}---\n\n# Body\n".encode())
    assert model.read_text(path) == path.read_text(encoding="utf-8")
    assert model.load_meta(path) == {"id": "STORY-001", "title": "Café ✅", "status": "not-started",
                               "template": "feature", "created": "2026-11-29"}
    path.write_bytes(b"---\nid: STORY-001\ntitle: caf\xe9\n---\n")
    with pytest.raises(Exception, match=r":3: not UTF-8 \(byte 0xe9\)"):
        model.read_text(path)
