"""Pure functions of the core: ids, config, markdown splicing, evidence, tracker."""

from __future__ import annotations

from pathlib import Path

import pytest

from storykit.project import config
from storykit.story import evidence
from storykit.core import ids
from storykit.errors import StorykitError
from storykit.story.markdown import Document, fence, replace_lines, set_field, split_lines, tick
from storykit.runners.runner import _Window, clean
from storykit.project.tracker import hours


@pytest.mark.parametrize("text", ["STORY-007", "story-007", "007", "7", " 7 "])
def test_ids_are_accepted_in_every_form(text: str) -> None:
    assert ids.parse_id(text) == "STORY-007"


@pytest.mark.parametrize("text", ["../..", "STORY-x", "", "7a", "STORY-../1", "٣"])
def test_bad_ids_are_refused(text: str) -> None:
    with pytest.raises(StorykitError, match="is not a story id"):
        ids.parse_id(text)


def test_slugify() -> None:
    assert ids.slugify("Add tags table!") == "add-tags-table"
    assert ids.slugify("***") == "story"
    assert len(ids.slugify("word " * 40)) <= 50


def test_config_unknown_key_suggests(tmp_path: Path) -> None:
    with pytest.raises(StorykitError) as info:
        config.from_mapping(tmp_path, {"stories_dri": "x"})
    assert str(info.value) == "config: unknown storykit setting 'stories_dri'; did you mean 'stories_dir'?"


def test_config_wrong_type(tmp_path: Path) -> None:
    with pytest.raises(StorykitError, match="'min_tests' must be int, not str"):
        config.from_mapping(tmp_path, {"min_tests": "8"})
    with pytest.raises(StorykitError, match="'allow_skips' must be bool"):
        config.from_mapping(tmp_path, {"allow_skips": 1})


def test_config_found_in_parent_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.storykit]\nmin_tests = 3\n')
    (tmp_path / "deep" / "er").mkdir(parents=True)
    loaded = config.load(tmp_path / "deep" / "er")
    assert loaded.root == tmp_path and loaded.min_tests == 3


def test_split_lines_keeps_every_byte() -> None:
    text = "a\r\nb\rc\nd"
    assert split_lines(text) == ["a\r\n", "b\r", "c\n", "d"]
    assert "".join(split_lines(text)) == text


def test_sections_ignore_headings_in_code() -> None:
    doc = Document("# T\n\n## A\n\n```\n## Not a heading\n```\n\n## B\nb\n")
    assert doc.titles() == ["A", "B"]
    assert doc.section("A") == (3, 8)
    assert doc.section("b") == (9, 10)


def test_replace_lines_keeps_crlf() -> None:
    text = "## A\r\nold\r\n## B\r\n"
    assert replace_lines(text, 1, 2, "new\nlines\n") == "## A\r\nnew\r\nlines\r\n## B\r\n"


def test_set_field_changes_one_line() -> None:
    text = "**Status:** old\n```\n**Status:** in code\n```\n"
    assert set_field(text, "Status", "new") == "**Status:** new\n```\n**Status:** in code\n```\n"


def test_tick() -> None:
    assert tick("- [ ] item <!-- storykit:red -->\n") == "- [x] item <!-- storykit:red -->\n"
    assert tick("- [x] done\n") == "- [x] done\n"


def test_fence_is_longer_than_any_backtick_run() -> None:
    block = fence("````\n## heading\n````\n")
    assert block.startswith("`````text\n")
    doc = Document(block + "\n## After\n")
    assert doc.titles() == ["After"]


def test_clean_strips_ansi_and_controls() -> None:
    assert clean("\x1b[31mred\x1b[0m\x07 ok\tx\rprogress\n") == "progress\n"
    assert clean("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "link"


def test_window_keeps_head_and_tail_and_names_the_log() -> None:
    window = _Window(3)
    window.feed(b"".join(b"line %d\n" % i for i in range(100)))
    window.close()
    text = window.excerpt(".storykit/logs/x.log")
    assert text.splitlines() == ["line 0", "line 1", "line 2",
                                 "… [94 lines cut; full log: .storykit/logs/x.log] …",
                                 "line 97", "line 98", "line 99"]


def test_window_bounds_an_endless_line() -> None:
    window = _Window(3)
    for _ in range(1000):
        window.feed(b"x" * 10000)
    window.close()
    assert sum(len(line) for line in window.head) + sum(len(line) for line in window.tail) < 100_000


@pytest.mark.parametrize(("text", "expected"), [
    ("1-2 hours", (1, 2)), ("1.5h", (1.5, 1.5)), ("90 min", (1.5, 1.5)), ("2 days", (16, 16)),
    ("[Time estimate]", None), (None, None),
])
def test_hours(text, expected) -> None:
    assert hours(text) == expected


def test_evidence_pending_then_red() -> None:
    meta = {"id": "STORY-001", "status": "not-started", "tests": ["tests/test_a.py"]}
    pending = evidence.render(meta, {})
    assert "- Pending: `storykit run-tests STORY-001`" in pending
    assert "**STATUS**: ⏳ No test run recorded yet" in pending
    meta["status"] = "red"
    meta["runs"] = {"red": {"at": "2026-01-02T03:04:05Z", "commit": "a" * 40, "command": "python -m pytest",
                            "exit_code": 1, "duration": 0.5, "counts": {"failed": 2}, "total": 2,
                            "tests": {"t::a": "failed AssertionError", "t::b": "failed KeyError"}}}
    red = evidence.render(meta, {"red": "2 failed\n"})
    assert "- Date/Time: 2026-01-02 03:04:05 UTC" in red
    assert "| `t::b` | failed | KeyError |" in red
    assert "```text red\n2 failed\n```" in red
    assert evidence.outputs_in(red) == {"red": "2 failed\n"}
    assert "❌ <100% (0 of 2 passed) - IMPLEMENTATION PENDING" in red
