"""``model.read_raw``: a story file read and split in its bytes, exactly as
``parse_raw(read_text(path), path)`` reads it, or refused with the same error.

Proven with hypothesis over files made of the pieces that make the two differ if
anything does: openings and closings of every kind, CR and CRLF, a BOM, conflict
markers in the front matter and the body, bytes that are not UTF-8, YAML that
only PyYAML reads, emoji (texts Python stores 4 bytes a character).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storykit.errors import StorykitError
from storykit.story import model

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

DONE = ("id: STORY-001\ntitle: Seed story title \U0001f534\nstatus: done\ntemplate: feature\ncreated: '2026-11-28'\n"
        "dependencies: []\ntests:\n- tests/test_seed.py\nmin_tests: 8\nruns:\n  red:\n    at: '2026-11-29T07:07:03Z'\n"
        "    commit: 988131bfa7366ea45837d0111e64e0dfb7b81117\n    counts:\n      failed: 8\n    total: 8\n")
BODY = "\n# STORY-001: Seed story title\n\n**Status:** \u2705 Done\n\n## Context\n\nText.\n"

OPENING = st.sampled_from(["---\n", "---\n", "---\n", "--- \n", "---\t\n", "---\r\n", "\ufeff---\n", "--- x\n",
                           "----\n", "", "...\n"])
FRONT_LINE = st.sampled_from([
    "id: STORY-001\n", "title: T \U0001f534\n", "status: red\n", "created: 2026-11-28\n", "created: '2026-11-28'\n",
    "tests:\n", "- a.py\n", "runs:\n", "  red:\n", "    commit: abc\n", "a: [1, 2]\n", "a: \"x\"\n", "1: one\n",
    "<<<<<<< HEAD\n", "=======\n", ">>>>>>> other\n", "<<<<<<<\n", "x: <<<<<<< no\n", "a: 1\r\n", "a: 1\r",
    "key: value # c\n", "\n", "  bad indent\n", "id: [\n", "a: b\x0c\n", "a: b\u2028c\n", "a: \x85\n", "...\n",
    "----\n", "---x\n", "a: &x 1\n", "\tb: 1\n", "\ufeffc: 1\n",
])
CLOSING = st.sampled_from(["---\n", "---\n", "...\n", "--- \n", "...\t\n", "---", "---\r\n", "---\r", "----\n", "",
                           "---x\n"])
BODY_PART = st.sampled_from([
    "\n", "# Title\n", "Text \U0001f534 here.\n", "<<<<<<< HEAD\n", ">>>>>>> b\n", "=======\n", "x <<<<<<< y\n",
    "line\r\n", "cr\r", "---\n", "...\n", "\ufeff", "\u2028", "<!-- storykit:x -->\n", "->\n", "emoji \u2705\n",
])


@st.composite
def files(draw: st.DrawFn) -> bytes:
    front = draw(st.one_of(st.just(DONE), st.lists(FRONT_LINE, max_size=8).map("".join),
                           st.lists(FRONT_LINE, max_size=3).map(lambda extra: DONE + "".join(extra))))
    text = draw(OPENING) + front + draw(CLOSING) + "".join(draw(st.lists(BODY_PART, max_size=8)))
    data = text.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:  # a byte that is not UTF-8, anywhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + data[at:]
    return data


def read_raw(path: Path) -> tuple[Any, ...]:
    return importlib.import_module("storykit.story.model").read_raw(path)  # type: ignore[no-any-return]


def outcome(read: Any, path: Path) -> tuple[Any, ...]:
    """What reading gives: the (meta, front, body) with the meta's types, or the error."""
    try:
        meta, front, body = read(path)[:3]
    except StorykitError as exc:
        return ("error", type(exc).__name__, str(exc), exc.hint)
    return (repr(meta), [type(v).__name__ for v in meta.values()], front, body)


def general(path: Path) -> tuple[Any, ...]:
    return model.parse_raw(model.read_text(path), path)


@SETTINGS
@given(data=files())
def test_read_raw_reads_every_file_as_parse_raw_does(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "STORY-001-x.md"
    path.write_bytes(data)
    assert outcome(read_raw, path) == outcome(general, path)


def test_a_story_storykit_writes_is_split_in_its_bytes_and_read_by_the_fast_reader(tmp_path: Path) -> None:
    path = tmp_path / "STORY-001-x.md"
    path.write_bytes(f"---\n{DONE}---\n{BODY}".encode())
    meta, front, body, read = read_raw(path)
    assert (meta, front, body) == general(path)
    assert front == f"---\n{DONE}---\n" and body == BODY
    assert read is not None and read.meta is meta
    assert read.lines == DONE.split("\n")[:-1]
    assert [read.lines[i].partition(":")[0] for i in read.starts] == [
        "id", "title", "status", "template", "created", "dependencies", "tests", "min_tests", "runs"]


@pytest.mark.parametrize("text", [
    "---\ncreated: 2026-11-28\n---\nbody\n",  # a date: PyYAML's
    "---\nid: STORY-001\r\n---\r\nbody\r\n",  # CRLF
    "\ufeff---\nid: STORY-001\n---\nbody\n",  # a BOM
    "---\nid: STORY-001\n---\nbody\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n",  # a conflict in the body
])
def test_what_is_not_plainly_storykit_s_is_read_by_the_general_path(tmp_path: Path, text: str) -> None:
    path = tmp_path / "STORY-001-x.md"
    path.write_bytes(text.encode())
    assert outcome(read_raw, path) == outcome(general, path)
    if "<<<<<<<" not in text:
        assert read_raw(path)[3] is None


def test_front_matter_beyond_the_cap_is_refused_as_before(tmp_path: Path) -> None:
    path = tmp_path / "STORY-001-x.md"
    path.write_bytes(("---\n" + "a: b\n" * (model.MAX_FRONT // 5 + 10) + "---\nbody\n").encode())
    refused = outcome(read_raw, path)
    assert refused[:2] == ("error", "StorykitError")
    assert refused[2].startswith(f"{path}:1: the front matter is larger than 256 KiB")
    assert outcome(read_raw, path) == outcome(general, path)


def test_bytes_that_are_not_utf8_are_refused_with_their_line_as_before(tmp_path: Path) -> None:
    path = tmp_path / "STORY-001-x.md"
    path.write_bytes(f"---\n{DONE}---\n".encode() + b"text\n\xff\n")
    refused = outcome(read_raw, path)
    assert refused[2].startswith(f"{path}:20: not UTF-8 (byte 0xff)")
    assert refused == outcome(general, path)
