"""A story file <-> front matter and body: the fast front-matter split gives what the plain
line-by-line split gave (docs/performance.md), and parse/dump keep every byte they do not own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storykit.story import model as story
from storykit.errors import StorykitError

PIECES = ["---", "...", "--- ", "---\t", "id: 1", "# Title", "## Tasks", "```", "~~~", "    code", "- [ ] item",
          "text", "", "<div>", "</div>", "## Test Results", "**Status:** red"]
ENDINGS = ["\n", "\r\n", "\r"]


def old_split_front(text: str, path: Path) -> tuple[str, str]:
    """story.split_front as it was: every line of the text split out first."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)
    if not lines or not re.match(r"^---[ \t]*(?:\r\n|\r|\n)?\Z", lines[0]):
        raise StorykitError("no front matter")
    for index in range(1, len(lines)):
        if re.match(r"^(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n)?\Z", lines[index]):
            return "".join(lines[: index + 1]), "".join(lines[index + 1:])
    raise StorykitError("never closed")


lines = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(ENDINGS)), max_size=25).map(
    lambda parts: "".join(piece + ending for piece, ending in parts))
# Most texts open a front matter, as stories do; some are anything at all.
texts = lines.map(lambda body: "---\n" + body) | lines | st.text(alphabet="-.\r\n at", max_size=40)


@given(texts, st.booleans())
@settings(max_examples=200)
def test_split_front_is_the_old_split(text: str, cut_last_newline: bool) -> None:
    if cut_last_newline:
        text = text.rstrip("\r\n")
    path = Path("s.md")
    try:
        expected = old_split_front(text, path)
    except StorykitError:
        with pytest.raises(StorykitError):
            story.split_front(text, path)
        return
    assert story.split_front(text, path) == expected




STORY = ("---\r\nid: STORY-001\r\ntitle: Café ✅\r\nstatus: red\r\ntemplate: feature\r\ncreated: '2026-01-01'\r\n"
         "---\r\n\r\n# Body\r\n")


def test_parse_then_text_gives_the_same_bytes() -> None:
    for text in (STORY, "\ufeff" + STORY, STORY.replace("\r\n", "\n")):
        parsed = story.parse(text, Path("s.md"))
        assert (parsed.id, parsed.title, parsed.status) == ("STORY-001", "Café ✅", "red")
        assert parsed.text() == text


def test_a_changed_value_rewrites_the_front_matter_in_key_order_keeping_crlf() -> None:
    parsed = story.parse(STORY, Path("s.md"))
    parsed.meta["status"] = "green"
    parsed.meta["dependencies"] = ["STORY-000"]
    assert parsed.text() == ("---\r\nid: STORY-001\r\ntitle: Café ✅\r\nstatus: green\r\ntemplate: feature\r\n"
                             "created: '2026-01-01'\r\ndependencies:\r\n- STORY-000\r\n---\r\n\r\n# Body\r\n")


def test_dump_front_is_stable_and_keeps_unknown_keys_last() -> None:
    meta = {"colour": "blue", "title": "T", "id": "STORY-001", "status": "red"}
    assert story.dump_front(meta) == "---\nid: STORY-001\ntitle: T\nstatus: red\ncolour: blue\n---\n"


@pytest.mark.parametrize(("change", "message"), [
    ({"status": "gren"}, "s.md: unknown status 'gren'; did you mean 'green'?"),
    ({"title": None}, "s.md: front matter has no 'title'; add 'title:' to the front matter"),
    ({"tests": "a.py"}, "s.md: front matter 'tests' must be a list of strings, not str ('a.py'); "
                        "write it as tests: [\"...\"] or as '- item' lines"),
    ({"min_tests": -1}, "s.md: front matter 'min_tests' must be a non-negative number, not -1"),
])
def test_bad_front_matter_is_named(change: dict, message: str) -> None:
    meta = {"id": "STORY-001", "title": "T", "status": "red", "template": "feature", "created": "2026-01-01", **change}
    with pytest.raises(StorykitError) as info:
        story.validate_meta(meta, Path("s.md"))
    assert str(info.value) == message


def test_an_unknown_key_is_only_a_warning() -> None:
    meta = {"id": "STORY-001", "title": "T", "status": "red", "template": "feature", "created": "2026-01-01",
            "min_test": 3}
    assert story.validate_meta(meta, Path("s.md")) == [
        "s.md: unknown key 'min_test' in front matter (did you mean 'min_tests'?)"]


def _split_front_line_by_line(text: str) -> tuple[str, str] | str:
    """split_front's rule, written out: the first line is ---, the front matter ends at
    the first later line that is --- or ..., no line of it ends past MAX_FRONT."""
    lines = re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)
    first = next(lines, None)
    if first is None or not re.match(r"^---[ \t]*(?:\r\n|\r|\n)?\Z", first.group(0)):
        return "no YAML front matter"
    for line in lines:
        if re.match(r"^(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n)?\Z", line.group(0)):
            return text[:line.end()], text[line.end():]
        if line.end() > story.MAX_FRONT:
            return "larger than"
    return "never closed"


FRONT_PIECES = ["---", "...", "\n", "---\n", "...\n", "--- \n", "---\t\n", "----\n", "...x\n", " ---\n", "x: 1\n",
                "\n---", "\n...", "-", ".", " ", "a", "\r\n", "\r"]


@given(st.lists(st.sampled_from(FRONT_PIECES), max_size=16))
@settings(max_examples=400)
def test_split_front_finds_the_delimiters_as_the_line_by_line_rule(pieces: list[str]) -> None:
    text = "".join(pieces)
    expected = _split_front_line_by_line(text)
    try:
        assert story.split_front(text, Path("s.md")) == expected
    except StorykitError as exc:
        assert isinstance(expected, str) and expected in str(exc), (text, expected, str(exc))


@pytest.mark.parametrize("text", ["---\n" + "k: v\n" * 60_000 + "---\nbody", "---" + " " * 300_000 + "\n---\nbody",
                                  "---\n" + "k: v\n" * 60_000])
def test_split_front_at_the_size_limit_as_the_line_by_line_rule(text: str) -> None:
    expected = _split_front_line_by_line(text)
    try:
        assert story.split_front(text, Path("s.md")) == expected
    except StorykitError as exc:
        assert isinstance(expected, str) and expected in str(exc)


def test_one_line_problem_is_the_category_rule_for_every_character() -> None:
    """The fast printable test never changes the answer: every code point, alone in a title."""
    import sys
    import unicodedata

    breaking = ("Cc", "Cs", "Zl", "Zp")
    wrong = [cp for cp in range(sys.maxunicode + 1)
             if story.one_line_problem(f"Title {chr(cp)}") != (unicodedata.category(chr(cp)) in breaking)]
    assert wrong == []


# -- meta_problems' quick path: a front matter it passes has no problem and is not changed --

_TEXT = st.one_of(st.sampled_from(["STORY-001", "red", "done", "closed", "p1", "p9", "duplicate", "wont-do", "x y",
                                   "", "a\nb", "a\u00a0b", "a\u2028b", "../x"]), st.text(max_size=6))
_VALUE = st.one_of(_TEXT, st.none(), st.booleans(), st.integers(-2, 3),
                   st.floats(allow_nan=True, allow_infinity=True), st.dates(),
                   st.lists(st.one_of(_TEXT, st.integers()), max_size=3),
                   st.dictionaries(_TEXT, st.one_of(st.dictionaries(_TEXT, _TEXT, max_size=2), _TEXT), max_size=3))
_META = st.dictionaries(st.one_of(st.sampled_from(story.KEYS), st.sampled_from(["custom", "statu"])), _VALUE,
                        max_size=12)
_VALID = st.fixed_dictionaries(
    {"id": st.just("STORY-001"), "title": _TEXT, "status": st.sampled_from(["red", "done", "closed"]),
     "template": st.just("feature"), "created": st.just("2026-11-29")},
    optional={key: _VALUE for key in story.KEYS[5:]})


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.one_of(_META, _VALID))
def test_front_matter_the_quick_path_passes_has_no_problem_and_is_not_changed(meta: dict) -> None:  # type: ignore[type-arg]
    import copy

    before = copy.deepcopy(meta)
    general = story.all_meta_problems(copy.deepcopy(meta))
    if story.plainly_valid(meta):
        assert general == []
        assert repr(meta) == repr(before)
    assert story.meta_problems(meta) == general


def test_a_story_storykit_writes_takes_the_quick_path() -> None:
    meta = {"id": "STORY-001", "title": "Add tags \U0001f534", "status": "done", "template": "feature",
            "created": "2026-11-29", "priority": "p1", "labels": ["api"], "dependencies": [], "tests": ["t.py"],
            "min_tests": 2, "timeout": 1.5, "runs": {"red": {"commit": "x"}}, "closed_as": None}
    assert story.plainly_valid(meta)
    assert story.meta_problems(dict(meta, statuss="x")) == story.all_meta_problems(dict(meta, statuss="x")) != []
