"""The fast outline `storykit check` uses agrees with the markdown-it Document that
the lifecycle uses, on every built-in template and on generated Markdown."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storykit.story import templates
from storykit.story.markdown import Checkbox, Document, Heading
from storykit.story.outline import Outline

# ATX headings, fences of both kinds and lengths, HTML comments, task lists and text.
# Left out, because the outline does not model them and storykit never writes them
# around its sections: setext headings, indented code, blockquotes, and a fence
# indented inside a list item (which the item's end closes implicitly).
FRAGMENTS = ["## Tasks (TDD Order)", "## Test Results", "# Title", "### Step", "## Done ##", "##", "#no heading",
             "```", "````", "```text red", "~~~", "~~~~", "``` `x`", "<!-- note", "-->",
             "<!-- storykit:red -->", "text with `## code`", "**Status:** red", "", "plain text"]
LIST_ITEMS = ["- [ ] item", "- [x] done [placeholder]"]


@given(st.one_of(st.lists(st.sampled_from(FRAGMENTS + LIST_ITEMS), max_size=30),
                 st.lists(st.sampled_from(FRAGMENTS + ["  ```", "   ~~~"]), max_size=30)))
@settings(max_examples=200)
def test_outline_matches_document(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    doc, outline = Document(text), Outline(text)
    assert outline.headings == doc.headings
    assert outline.code == doc.code
    assert outline.field_line("Status") == doc.field_line("Status")


@pytest.mark.parametrize("name", ["feature", "bugfix", "schema-migration"])
def test_outline_matches_document_on_built_in_templates(name: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storykit.story import evidence

    info = templates.get(name, None)
    context = {"id": "STORY-001", "title": "T", "track": "A", "agent": "a", "estimate": "1h", "dependencies": [],
               "tests": ["tests/test_x.py"], "min_tests": 2, "dependencies_line": "None", "blocks": [],
               "blocks_line": "None", "status_line": "x", "commit_message": "m", "titles": {},
               "test_results": evidence.render({"id": "STORY-001"}, {}), "completion_fields": ""}
    text = templates.render(info, None, context)
    doc, outline = Document(text), Outline(text)
    assert outline.headings == doc.headings
    assert outline.code == doc.code


def test_placeholders() -> None:
    outline = Outline(
        "Build [feature name] for [user].\n"
        "- [ ] todo and - [x] done\n"
        "A [link](https://x) and [ref][1] and `[code]` and <!-- [comment] -->\n"
        "[1]: https://example.com\n"
        "> [!NOTE] an alert, a footnote[^1], an escaped \\[bracket]\n"
        "```\n[in code]\n```\n"
        "Time: [X hours]\n"
    )
    assert outline.placeholders() == [(0, "[feature name]"), (0, "[user]"), (8, "[X hours]")]


# The fast path (one LF text scanned at once) against the general one (line by line):
# fragments that open, close or hide things, placeholders in every disguise, and the
# whitespace str.lstrip strips but only \n ends a line at (\x0b \x1c \x85 \u2028 \xa0).
TRICKY = FRAGMENTS + LIST_ITEMS + [
    "- [ ] [todo] `[code]` <!-- storykit:done -->", "  * [ ] indented", "+ [X] upper", "- [ ]", "-  [ ]  two",
    "<!-- [hidden]", "[still hidden] -->", "<!-- a --> [after comment]", "\t<!-- tab", "   <!-- x -->",
    "[a][b] and [c]", "[a]\x0b[b]", "\\[escaped] [ok]", "[x]", "[!NOTE]", "[^1]", "[link](url)", "[key]: value",
    "`[span` and `]`", "``[two ticks]``", "`", "**Status:** green", " \x0b**Status:** x", "\x1c**Status:**",
    "\u2028**Status:** y", "\xa0**Status:**", "```\n**Status:** in code\n```", "~~~ \n[in tilde]\n~~~",
    "## #", "## a #", "##\t#\t", "####### seven", "   ### x ###  ", "    # four", "## x#", "## x \\#", "#\t\x0bt\x0b",
    "###### six ##### #", "## #a", "# \xa0# ", "#  ", "[multi", "line][ref] [p]", "[ref][", "\x85",
    "# [Heading placeholder]", "  ## Indented heading", "<!--", "-->", "x --> y", "[", "]",
]


@given(st.lists(st.one_of(st.sampled_from(TRICKY), st.text(alphabet="[]`<!->#~ \t*x\\(:^\x0b\u2028", max_size=12)),
                max_size=40), st.booleans())
@settings(max_examples=600, deadline=None)
def test_fast_outline_equals_the_line_by_line_one(lines: list[str], final_newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_newline else "")
    fast, general = Outline(text), Outline.by_lines(text)
    assert fast.headings == general.headings
    assert fast.code == general.code
    assert fast.line_count == len(general.lines)
    assert fast.field_line("Status") == general.field_line("Status")
    assert fast.placeholders() == general.placeholders_by_line()
    end = min(9, len(general.lines))
    assert fast.placeholders(min(2, end), end) == general.placeholders_by_line(min(2, end), end)
    assert fast.unticked() == general.unticked_by_line()
    assert fast.unticked(min(1, end), end) == general.unticked_by_line(min(1, end), end)
    for title in ("Tasks", "Test Results", "Done", "step", ""):
        for level in (1, 2, 3):
            expected = Document.section(general, title, level)  # Document's own query on the same outline
            assert fast.section(title, level) == general.section(title, level) == expected
            assert fast.section(title, level) == expected  # asked twice: the kept answer
    assert [fast.line(i) for i in range(fast.line_count)] == general.lines
    for past in (len(general.lines), len(general.lines) + 1):
        with pytest.raises(IndexError):
            Outline(text).line(past)
    assert fast.lines == general.lines


@given(st.text(alphabet="# \tab\x0b\xa0\\", max_size=14))
@settings(max_examples=500)
def test_heading_titles_are_those_of_the_heading_pattern(after: str) -> None:
    import re

    # an ATX heading, as the outline reads it
    heading = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
    for line in ("#" + after, "  ##" + after, "######" + after):
        fast, general = Outline(line + "\n"), Outline.by_lines(line + "\n")
        assert fast.headings == general.headings
        match = heading.match(line)
        assert fast.headings == ([Heading(len(match.group(1)), (match.group(2) or "").strip(), 0)] if match else [])


@pytest.mark.parametrize("text", ["## A\r\n- [ ] [x y]\r\n**Status:** s\r\n", "# A\r- [ ] b\r[c]\r", ""])
def test_text_with_cr_takes_the_line_by_line_path(text: str) -> None:
    fast, general = Outline(text), Outline.by_lines(text)
    assert (fast.headings, fast.code, fast.lines) == (general.headings, general.code, general.lines)
    assert fast.placeholders() == general.placeholders_by_line()
    assert fast.unticked() == general.unticked_by_line()
    assert fast.field_line("Status") == general.field_line("Status")


def test_the_lines_are_split_only_when_asked_for() -> None:
    outline = Outline("# T\n\n**Status:** red\n\n## Tasks\n- [ ] a [b]\n")
    assert outline.field_line("Status") == 2
    assert outline.line(2) == "**Status:** red\n"
    assert outline.section("Tasks") == (5, 6)
    assert outline.unticked(5, 6) == [Checkbox(5, False, "a [b]")]
    assert outline.placeholders() == [(5, "[b]")]
    assert "lines" not in vars(outline)
    with pytest.raises(IndexError):
        outline.line(6)


@given(st.lists(st.one_of(st.sampled_from(TRICKY), st.text(alphabet="[]`<!->#~ \t*x\\(:^\x0b\u2028", max_size=12)),
                max_size=40), st.booleans())
@settings(max_examples=400, deadline=None)
def test_sections_and_lines_asked_first_are_found_without_every_heading_and_code_line(
        lines: list[str], final_newline: bool) -> None:
    """What check asks of a story — sections, the Status line, unticked items — before
    anything else: the fast path finds only the headings of the section's level and
    above, and never builds the set of code lines; the answers are the general path's."""
    text = "\n".join(lines) + ("\n" if final_newline else "")
    general = Outline.by_lines(text)
    for level in (2, 1, 3, 6, 0, 7):
        fresh = Outline(text)
        for title in ("Tasks", "Test Results", "Done", "step", "", "a"):
            assert fresh.section(title, level) == Document.section(general, title, level)
        assert fresh.field_line("Status") == general.field_line("Status")
        assert fresh.unticked() == general.unticked_by_line()
        assert fresh.placeholders() == general.placeholders_by_line()
        assert not {"headings", "code"} & vars(fresh).keys()
        assert fresh.headings == general.headings and fresh.code == general.code  # then, when asked, all of them


def _offsets(lines: list[str]) -> list[int]:
    """The offset of each line's start, and of the text's end."""
    found = [0]
    for line in lines:
        found.append(found[-1] + len(line))
    return found


MARKS = ["<!-- storykit:measurements:start -->", "<!-- storykit:measurements:end -->"]


# TRICKY, the region's marks (alone, among whitespace, in code) and fences that may close
# one: what the one pass finds apart.
WITH_MARKS = TRICKY + MARKS + [" \t" + MARKS[0] + "\x0b", "\u2028" + MARKS[1], "x " + MARKS[0],
                               "```\n" + MARKS[0] + "\n```", "<!--\n" + MARKS[1] + " -->",
                               "~~~ ~~~", " \t````  ", "x ```", "\x0b```"]


@given(st.lists(st.one_of(st.sampled_from(WITH_MARKS), st.text(alphabet="[]`<!->#~ \t*x\\(:^\x0b\u2028", max_size=12)),
                max_size=40), st.booleans())
@settings(max_examples=600, deadline=None)
def test_what_check_asks_in_offsets_is_what_the_lines_answer(lines: list[str], final_newline: bool) -> None:
    """check's questions answered in the text's offsets — a section's span, the Status
    line, the placeholders and unticked items between two offsets, the region's marks —
    agree with the line-by-line answers, on the fast path and the general one."""
    text = "\n".join(lines) + ("\n" if final_newline else "")
    general = Outline.by_lines(text)
    at = _offsets(general.lines)
    status = general.field_line("Status")
    marks = [(at[i], at[i + 1], line.strip()) for i, line in enumerate(general.lines) if line.strip() in MARKS]
    for outline in (Outline(text), Outline.by_lines(text)):
        assert outline.field("Status") == (None if status is None else (status, general.lines[status]))
        assert outline.marks == marks
        for title in ("Tasks", "Test Results", "Done", "step", "", "a"):
            for level in (1, 2, 3):
                lines_span = general.section(title, level)
                span = outline.span(title, level)
                assert span == (None if lines_span is None else (at[lines_span[0]], at[lines_span[1]]))
                first, last = lines_span or (0, len(general.lines))
                for start, end in ((0, first), (first, last), (last, len(general.lines))):
                    found = general.placeholders_by_line(start, end)
                    texts = [bracketed for _, bracketed in found]
                    assert outline.placeholders_at(at[start], at[end]) == found
                    assert outline.placeholders_in(at[start], at[end]) == (found[0][0] if found else None, texts)
                    assert outline.placeholders_in(at[start], at[end], numbered=False) == (None, texts)
                    assert outline.unticked_at(at[start], at[end]) == general.unticked_by_line(start, end)


def test_one_pass_finds_what_a_story_body_holds() -> None:
    text = ("# STORY-001: T\n\n**Status:** ✅ Done\n\n## Context\n\nBuild [feature name].\n\n## Tasks\n- [ ] a [b]\n"
            "```\n## Test Results\n**Status:** no\n```\n<!-- storykit:measurements:start -->\nx\n"
            "<!-- storykit:measurements:end -->\n## Test Results (MANDATORY)\n[not counted]\n")
    outline = Outline(text)
    assert outline.field("Status") == (2, "**Status:** ✅ Done\n")
    assert outline.span("Test Results") == (text.index("[not counted]"), len(text))
    assert outline.span("Tasks") == (text.index("- [ ]"), text.index("## Test Results ("))
    assert outline.span("Missing") is None
    tasks = outline.span("Tasks")
    assert outline.unticked_at(*tasks) == [Checkbox(9, False, "a [b]")]
    assert outline.placeholders_at(0, outline.span("Test Results")[0]) == [(6, "[feature name]"), (9, "[b]")]
    assert outline.placeholders_in(0, outline.span("Test Results")[0]) == (6, ["[feature name]", "[b]"])
    start = text.index("<!-- storykit:measurements:start")
    assert outline.marks == [(start, start + 37, MARKS[0]), (start + 39, start + 74, MARKS[1])]
    assert not {"headings", "code", "lines"} & vars(outline).keys()
