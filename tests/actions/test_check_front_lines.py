"""The lines ``check`` points its findings at (id, dependencies, status, duplicate_of,
runs.PHASE.commit), taken from what the fast reader read of the front matter, equal
``front_lines`` of the front block: proven with hypothesis over front matter storykit
writes and over YAML-like lines made to tell the two apart."""

from __future__ import annotations

import importlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storykit.actions import check
from storykit.story import frontmatter
from storykit.story.model import dump_front

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def fast_lines(read: Any) -> dict[str, int]:
    return importlib.import_module("storykit.actions.check").front_lines_fast(read)  # type: ignore[no-any-return]


def agree(source: str) -> bool:
    """Whether the fast reader read ``source``; when it did, its lines are front_lines'."""
    read = frontmatter.read(source)
    if read is None:
        return False
    front = f"---\n{source}---\n"
    assert list(fast_lines(read).items()) == list(check.front_lines(front).items()), front
    return True


TITLE = st.sampled_from(["Add tags", "Fix: login", "\U0001f534 launch", "It's done", "3.0.1", "id: x"])
SHA = st.from_regex(r"[0-9a-f]{40}", fullmatch=True)
TEST_FILE = st.fixed_dictionaries({"path": st.just("t.py"), "commit": st.just("x")})
RUN = st.fixed_dictionaries(
    {"at": st.just("2026-11-29T07:07:03Z"), "commit": SHA,
     "counts": st.dictionaries(st.sampled_from(["passed", "failed"]), st.integers(0, 9))},
    optional={"changes": st.fixed_dictionaries({"test_files": st.lists(TEST_FILE, max_size=2)})})
META = st.fixed_dictionaries(
    {"id": st.from_regex(r"STORY-[0-9]{3}", fullmatch=True), "title": TITLE,
     "status": st.sampled_from(["red", "green", "done"])},
    optional={"dependencies": st.lists(st.sampled_from(["STORY-001", "STORY-002"]), max_size=2),
              "duplicate_of": st.just("STORY-002"), "tests": st.lists(st.just("tests/t.py"), max_size=2),
              "runs": st.dictionaries(st.sampled_from(["red", "green", "final", "validate"]), RUN, max_size=4)})


@SETTINGS
@given(META)
def test_the_lines_of_what_storykit_writes_are_front_lines(meta: dict[str, Any]) -> None:
    assert agree(dump_front(meta)[4:-4])


LINE = st.sampled_from([
    "id: A\n", "id: B\n", "id:\n", "'id': q\n", "id\u00a0: nbsp\n", "ids: x\n", "status: red\n", "status:\n",
    "dependencies: []\n", "dependencies:\n", "- STORY-001\n", "duplicate_of: X\n", "runs:\n", "runs: {}\n",
    "runs: []\n", "runsx: 1\n", "  red:\n", "  green:\n", "  'final':\n", "  red: x\n", "  - commit: x\n", "   x:\n",
    "    commit: abc\n", "    commit:\n", "    commit: def\n", "    commits: 1\n", "    at: t\n",
    "      commit: deep\n",
    "    - commit: seq\n", "  status: nested\n", "- id: item\n", "other: 1\n", "  other: 2\n", "    x: y\n",
])


@SETTINGS
@given(st.lists(LINE, min_size=1, max_size=14))
def test_the_lines_of_any_front_matter_the_fast_reader_reads_are_front_lines(lines: list[str]) -> None:
    agree("".join(lines))


def test_a_done_story_s_lines_come_from_the_fast_reader() -> None:
    source = ("id: STORY-001\ntitle: T\nstatus: done\ndependencies: []\nruns:\n  red:\n    at: x\n"
              "    commit: abc\n  green:\n    commit: def\n    changes:\n      test_files:\n      - path: t.py\n"
              "        added: 1\nduplicate_of: STORY-002\n")
    assert agree(source)
    read = frontmatter.read(source)
    assert fast_lines(read) == {"id": 2, "dependencies": 5, "status": 4, "duplicate_of": 16,
                                "runs.red.commit": 9, "runs.green.commit": 11}
