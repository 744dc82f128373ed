"""Markdown as storykit reads and edits it: sections by heading (never inside code),
fields, checkboxes, fences, line splicing that keeps every byte and line ending."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from storykit.story import markdown
from storykit.story.markdown import Document, fence, replace_lines, set_field, split_lines, tick


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


PIECES = ["---", "...", "--- ", "---\t", "id: 1", "# Title", "## Tasks", "```", "~~~", "    code", "- [ ] item",
          "text", "", "<div>", "</div>", "## Test Results", "**Status:** red"]
ENDINGS = ["\n", "\r\n", "\r"]
lines = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(ENDINGS)), max_size=25).map(
    lambda parts: "".join(piece + ending for piece, ending in parts))
texts = lines.map(lambda body: "---\n" + body) | lines | st.text(alphabet="-.\r\n at", max_size=40)


def full_parse(text: str) -> tuple:
    """Headings, code lines and fences as read from markdown-it with every rule on."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    headings, code, fences = [], set(), []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            headings.append(markdown.Heading(int(token.tag[1]), tokens[index + 1].content.strip(), token.map[0]))
        elif token.type in ("fence", "code_block", "html_block") and token.map:
            code.update(range(token.map[0], token.map[1]))
            if token.type == "fence":
                fences.append((token.info.strip(), token.content, token.map[0], token.map[1]))
    return headings, code, fences


@given(texts)
@settings(max_examples=150)
def test_block_only_parse_reads_what_the_full_parse_reads(text: str) -> None:
    doc = markdown.Document(text)
    assert (doc.headings, doc.code, doc.fences) == full_parse(text)


def test_documents_of_one_text_share_the_parse_not_the_lists() -> None:
    text = "# A\n\n## B\n\n```\ncode\n```\n"
    first, second = markdown.Document(text), markdown.Document(text)
    assert first.headings == second.headings and first.headings is not second.headings
    first.headings.clear()
    assert markdown.Document(text).headings == second.headings


LINE_TEXT = st.lists(st.sampled_from(["a", " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "é", "✅",
                                      "#", "-"]), max_size=60).map("".join)


@given(LINE_TEXT)
@settings(max_examples=300)
def test_split_lines_is_the_line_pattern_of_markdown_it(text: str) -> None:
    """The fast split (text without CR) and the pattern agree on every text: lines end
    only at \\r\\n, \\r or \\n, never at the other breaks str.splitlines knows."""
    assert split_lines(text) == re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)
    assert "".join(split_lines(text)) == text
