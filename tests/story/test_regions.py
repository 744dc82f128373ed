"""Property-based tests of storykit's Markdown editing (issue 3).

For generated documents (fences of backticks and tildes, headings, HTML, tables,
task lists, tabs, trailing spaces, LF or CRLF) and generated test outputs:
- bytes outside the region storykit replaces never change;
- replacing a region twice with the same content is a no-op;
- fenced output never stops a later ``## heading`` from being a heading
  (markdown-it-py's CommonMark parser is the judge here; GitHub's cmark-gfm was
  checked by hand, see docs/reliability.md).
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from storykit.story import evidence
from storykit.story import regions
from storykit.errors import StorykitError
from storykit.story.markdown import Document, fence, replace_lines, set_field, split_lines
from storykit.runners.runner import RunResult, clean
from storykit.story.model import dump_front, parse

SETTINGS = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies -------------------------------------------------------------------------------

# Any character but line breaks (and surrogates, which cannot be encoded).
_CHAR = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")
HOSTILE_LINES = [
    "```", "````", "`````python", "~~~", "~~~~ text", "   ```", "    ```", "``` ```", "```text red",
    "# Title", "## Heading", "## Test Results (MANDATORY)", "### Sub", "###### six", "#not a heading",
    "Setext", "===", "---", "***", "<div>", "</div>", "<!--", "-->", "<!-- storykit:red -->", "<script>",
    "<pre>", "</pre>", "<?php", "?>", "<![CDATA[", "]]>", "| a | b |", "| --- | --- |", "|x|", "> quote",
    "- [ ] todo", "- [x] done", "* [ ] star", "1. one", "**Status:** fake", "\tTab\tseparated\t",
    "trailing spaces   ", "trailing tab\t", "", " ", "\t", "\\", "<", "&amp;", "\x1b[31mred\x1b[0m",
    "\ufeffbom inside", "e\u0301", "🔴 ❌ ✅", "\x00nul", "\x0cformfeed",
]
free_line = st.one_of(st.sampled_from(HOSTILE_LINES), st.text(_CHAR, max_size=30))


@st.composite
def fenced_block(draw: st.DrawFn, hostile: bool = True) -> str:
    """A closed code block, with backticks or tildes, that may hold anything (but,
    unless ``hostile``, no line that looks like a ``#``/``##`` heading)."""
    char = draw(st.sampled_from("`~"))
    marker = char * draw(st.integers(3, 6))
    info = draw(st.sampled_from(["", "python", "text red", "md"]))
    body = [line for line in draw(st.lists(free_line, max_size=5)) if not line.lstrip(" ").startswith(char * 3)
            and (hostile or not re.match(r" {0,3}#{1,2}(\s|$)", line))]
    return "\n".join([marker + info, *body, marker])


@st.composite
def block(draw: st.DrawFn, hostile: bool = True) -> str:
    """A Markdown block; ``hostile`` adds free lines (unclosed fences, comments, HTML...)
    and headings hidden inside HTML blocks and comments."""
    kinds = ["para", "heading", "fence", "html", "comment", "table", "tasks"] + (["free"] if hostile else [])
    kind = draw(st.sampled_from(kinds))
    hidden = ["## hidden"] if hostile else []
    if kind == "para":
        return draw(st.text(_CHAR, min_size=1, max_size=60)).strip() or "text"
    if kind == "heading":
        return "#" * draw(st.integers(1, 6)) + " " + (draw(st.text(_CHAR, max_size=20)).strip() or "Heading")
    if kind == "fence":
        return draw(fenced_block(hostile))
    if kind == "html":
        return "\n".join(["<div>", *draw(st.lists(st.sampled_from(["x", "| a |", *hidden]), max_size=3)), "</div>"])
    if kind == "comment":
        return "<!--\n" + "\n".join(draw(st.lists(st.sampled_from(["```", "x", *hidden]), max_size=3))) + "\n-->"
    if kind == "table":
        return "| a | b |\n| --- | --- |\n" + "\n".join(f"| {c} | x |" for c in
                                                      draw(st.lists(st.sampled_from(["1", "`c`", "<b>"]), max_size=3)))
    if kind == "tasks":
        return "\n".join(draw(st.lists(st.sampled_from(
            ["- [ ] open", "- [x] done", "- [ ] verified <!-- storykit:red -->",
             "- [ ] green <!-- storykit:green -->", "  - [ ] nested\t", "- [ ] trailing  "]), min_size=1, max_size=4)))
    return "\n".join(draw(st.lists(free_line, min_size=1, max_size=3)))


def blocks(max_size: int = 5, hostile: bool = True) -> st.SearchStrategy[str]:
    return st.lists(block(hostile), max_size=max_size).map(lambda bs: "\n\n".join(bs))


def has_regions(text: str) -> bool:
    doc = Document(text)
    return (doc.titles()[:1] == ["Tasks (TDD Order)"] and doc.titles()[1:3] == ["Test Results (MANDATORY)",
                                                                                  "Expected Outputs"]
            and all(doc.field_line(f) is not None for f in ("Status", "Blocks", *regions.COMPLETION_FIELDS)))


@st.composite
def story_body(draw: st.DrawFn, hostile_results: bool = False) -> str:
    """A story body: the user's blocks (anything) around storykit's regions, LF or
    CRLF.  Bodies where the user's own unclosed block swallows storykit's regions are
    left out (storykit refuses those: tests/test_bad_input.py)."""
    before = draw(blocks())
    inside = draw(blocks(3, hostile=hostile_results))
    after = draw(blocks())
    trailing = draw(st.sampled_from(["", "\n", "\n\n", "  \n", "\t"]))
    text = "\n\n".join([
        "# STORY-001: Title", "**Track:** A\n**Blocks:** None\n**Status:** 🔴 Not Started", before,
        "## Tasks (TDD Order)", "- [ ] Execute test command <!-- storykit:red -->\n- [ ] by hand",
        "## Test Results (MANDATORY)", inside,
        "## Expected Outputs", after,
        "**Last Updated:** 2026-01-01\n**Completed By:** [Agent name]\n**Actual Time:** [X hours]",
    ]) + trailing
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = text.replace("\n", newline)
    assume(hostile_results or has_regions(text))
    return text


# Test output as a test suite may print it: raw bytes included; storykit cleans it first.
raw_output = st.lists(st.one_of(free_line, st.binary(max_size=20).map(lambda b: b.decode("utf-8", "replace"))),
                      max_size=12).map(lambda lines: "\n".join(lines) + "\n")


def output_of(raw: str) -> str:
    return clean(raw)


def red_meta(output_tests: dict[str, tuple[str, str | None]], command: str = "python -m pytest tests") -> dict:
    result = RunResult(command=["python"], exit_code=1, duration=0.5, tests=output_tests)
    run = evidence.record(result, commit="0123456789abcdef", tree=None, digest_value=None, log=".storykit/logs/x.log",
                          command=command)
    run["at"] = "2026-01-01T00:00:00Z"
    return {"id": "STORY-001", "status": "red", "tests": ["tests/test_x.py"], "runs": {"red": run}}


def outside(text: str, title: str) -> tuple[str, str, tuple[int, int]]:
    """The bytes before and after the body of section ``title``."""
    doc = Document(text)
    span = doc.section(title)
    assert span is not None
    lines = split_lines(text)
    return "".join(lines[: span[0]]), "".join(lines[span[1]:]), span


def assert_kept_outside(old: str, new: str, title: str) -> None:
    before, after, _ = outside(old, title)
    if before and not before.endswith(("\n", "\r")):
        before += "\r\n" if "\r\n" in old else "\n"  # a heading on the last line gets an ending
    assert new.startswith(before)
    assert new.endswith(after)
    assert len(new) >= len(before) + len(after)


def headings(text: str) -> list[tuple[int, str]]:
    return [(h.level, h.title) for h in Document(text).headings]


def only_crlf(text: str) -> bool:
    return "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")


# -- markdown.replace_lines -------------------------------------------------------------------------

@SETTINGS
@given(text=st.lists(st.one_of(free_line, st.sampled_from(["\r", "\n", "\r\n"])), max_size=12).map("".join),
       new=st.text(max_size=40), data=st.data())
def test_replace_lines_keeps_every_byte_outside_the_range(text: str, new: str, data: st.DataObject) -> None:
    lines = split_lines(text)
    assert "".join(lines) == text
    start = data.draw(st.integers(0, len(lines)))
    end = data.draw(st.integers(start, len(lines)))
    result = replace_lines(text, start, end, new)
    head, tail = "".join(lines[:start]), "".join(lines[end:])
    assert result.endswith(tail)
    assert result.startswith(head)  # (plus a line ending when the head's last line had none)
    assert len(result) >= len(head) + len(tail)


# -- sections: replaced body, bytes outside, idempotence --------------------------------------------------

@SETTINGS
@given(body=story_body(), raw=raw_output)
def test_section_replacement_keeps_outside_bytes_and_is_idempotent(body: str, raw: str) -> None:
    new_body = "\n" + fence(output_of(raw), "text red")
    start, end = Document(body).section("Test Results")  # type: ignore[misc]
    once = replace_lines(body, start, end, new_body)
    assert_kept_outside(body, once, "Test Results")
    start, end = Document(once).section("Test Results")  # type: ignore[misc]
    twice = replace_lines(once, start, end, new_body)
    assert twice == once
    if only_crlf(body):
        assert only_crlf(once)


@SETTINGS
@given(body=story_body(), raw=raw_output,
       nodes=st.dictionaries(st.one_of(st.sampled_from(["t::a|b", "t::`x`", "t::[p\nq]", "t::## h"]),
                                       st.text(_CHAR, max_size=20)),
                             st.tuples(st.sampled_from(["failed", "passed", "error"]),
                                       st.sampled_from([None, "AssertionError", "a|b"])), max_size=4),
       command=st.sampled_from(["python -m pytest t", "pytest -k 'a`b'", "pytest -k \"x\n## y\"", "a ``` b"]))
def test_test_results_keeps_outside_bytes_is_idempotent_and_round_trips(
        body: str, raw: str, nodes: dict, command: str) -> None:
    meta = red_meta(nodes, command)
    output = output_of(raw)
    once = regions.test_results("STORY-001", body, meta, {"red": output})
    assert_kept_outside(body, once, "Test Results")
    # The same evidence again (read back from the story itself) changes nothing.
    assert regions.test_results("STORY-001", once, meta, {}) == once
    assert regions.test_results("STORY-001", once, meta, {"red": output}) == once
    # The output reads back exactly as written, and every heading survives.
    _, _, (start, end) = outside(once, "Test Results")
    section = "".join(split_lines(once)[start:end]).replace("\r\n", "\n")
    assert evidence.outputs_in(section) == {"red": output}
    # The section holds no heading but storykit's own; every later heading is still one.
    assert [h for h in headings("".join(split_lines(once)[start:end])) if h != (3, "TDD Cycle Evidence")] == []
    _, after_once, _ = outside(once, "Test Results")
    _, after_body, _ = outside(body, "Test Results")
    assert headings(after_once) == headings(after_body)
    if only_crlf(body):
        assert only_crlf(once)


@SETTINGS
@given(body=story_body(hostile_results=True), raw=raw_output)
def test_test_results_never_deletes_a_visible_heading(body: str, raw: str) -> None:
    """Whatever the user left in the section (unclosed fences, comments hiding
    headings), storykit either refuses or keeps every heading after the section."""
    assume(Document(body).section("Test Results") is not None)
    try:
        once = regions.test_results("STORY-001", body, red_meta({"t::a": ("failed", None)}), {"red": output_of(raw)})
    except StorykitError as exc:
        assert "storykit rewrites that whole section" in str(exc)
        return
    assert_kept_outside(body, once, "Test Results")
    assert headings(outside(once, "Test Results")[1]) == headings(outside(body, "Test Results")[1])


@SETTINGS
@given(prefix=blocks(3, hostile=False), raw=raw_output)
def test_fenced_output_never_swallows_a_later_heading(prefix: str, raw: str) -> None:
    """Whatever a test prints, the heading after its fenced output is a heading."""
    output = output_of(raw)
    text = "## Test Results\n\n" + fence(output, "text red") + "\n## Expected Outputs\n\nafter\n"
    doc = Document(prefix + "\n\n" + text)
    assert doc.titles()[-2:] == ["Test Results", "Expected Outputs"]
    ((info, content, _, _),) = [f for f in Document(text).fences]
    assert (info, content) == ("text red", output)


@SETTINGS
@given(raw=st.text(max_size=200))
def test_cleaned_output_has_no_control_characters(raw: str) -> None:
    out = clean(raw)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out)
    assert "\x1b" not in out


# -- the other owned regions --------------------------------------------------------------------------------

def changed_lines(old: str, new: str) -> list[int]:
    a, b = split_lines(old), split_lines(new)
    assert len(a) == len(b)
    return [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


@SETTINGS
@given(body=story_body(), status=st.sampled_from(["red", "green", "done", "not-started"]),
       blocks_=st.lists(st.sampled_from(["STORY-002", "STORY-010"]), unique=True))
def test_header_lines_change_alone_and_idempotently(body: str, status: str, blocks_: list[str]) -> None:
    once = regions.set_header("STORY-001", body, status, blocks_)
    doc = Document(body)
    allowed = {doc.field_line("Status"), doc.field_line("Blocks")}
    assert set(changed_lines(body, once)) <= allowed
    assert regions.set_header("STORY-001", once, status, blocks_) == once


@SETTINGS
@given(body=story_body(), by=st.text(_CHAR, max_size=20), actual=st.sampled_from(["1h", "[X hours]", "2 min"]))
def test_completion_fields_change_alone_and_idempotently(body: str, by: str, actual: str) -> None:
    values = {"Last Updated": "2026-02-02", "Completed By": by, "Actual Time": actual}
    once = regions.set_completion("STORY-001", body, values)
    doc = Document(body)
    assert set(changed_lines(body, once)) <= {doc.field_line(label) for label in values}
    assert regions.set_completion("STORY-001", once, values) == once


@SETTINGS
@given(body=story_body(), phases=st.lists(st.sampled_from(["red", "green", "done"]), unique=True).map(tuple))
def test_ticks_touch_only_tagged_boxes_and_are_idempotent(body: str, phases: tuple[str, ...]) -> None:
    once = regions.tick_tagged(body, phases)
    lines = split_lines(body)
    for index in changed_lines(body, once):
        assert any(f"<!-- storykit:{p} -->" in lines[index] for p in phases)
        assert "- [ ]" in lines[index] and split_lines(once)[index] == lines[index].replace("- [ ]", "- [x]", 1)
    assert regions.tick_tagged(once, phases) == once


@SETTINGS
@given(value=st.text(_CHAR, max_size=30), body=story_body())
def test_set_field_keeps_the_line_ending(value: str, body: str) -> None:
    once = set_field(body, "Status", value)
    assert set(changed_lines(body, once)) <= {Document(body).field_line("Status")}
    if only_crlf(body):
        assert only_crlf(once)


# -- whole story files: BOM, CRLF, front matter --------------------------------------------------------------

@SETTINGS
@given(body=story_body(), bom=st.booleans(), raw=raw_output)
def test_story_file_keeps_bom_newlines_and_outside_bytes(body: str, bom: bool, raw: str) -> None:
    newline = "\r\n" if body.startswith("# STORY-001: Title\r\n") else "\n"
    meta = {"id": "STORY-001", "title": "T", "status": "not-started", "template": "feature", "created": "2026-01-01"}
    text = ("\ufeff" if bom else "") + dump_front(meta, newline) + body
    story = parse(text, Path("s.md"))
    assert story.text() == text  # unchanged meta and body: the same bytes
    story.meta = {**red_meta({"t::a": ("failed", None)}), **meta, "status": "red"}
    story.body = regions.test_results("STORY-001", story.body, story.meta, {"red": output_of(raw)})
    new = story.text()
    assert new.startswith("\ufeff---" if bom else "---")
    if only_crlf(body):
        assert only_crlf(new.lstrip("\ufeff"))
    assert new.endswith(outside(body, "Test Results")[1])
    from storykit.story import records

    assert parse(new, Path("s.md")).meta == records.summary_meta(story.meta)  # the records go to the evidence file
