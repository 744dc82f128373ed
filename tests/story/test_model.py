"""Fast paths give exactly what the plain code they replace gave (docs/performance.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storykit.story import markdown
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
        if story._DELIMITER.match(lines[index]):
            return "".join(lines[: index + 1]), "".join(lines[index + 1:])
    raise StorykitError("never closed")


lines = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(ENDINGS)), max_size=25).map(
    lambda parts: "".join(piece + ending for piece, ending in parts))
# Most texts open a front matter, as stories do; some are anything at all.
texts = lines.map(lambda body: "---\n" + body) | lines | st.text(alphabet="-.\r\n at", max_size=40)


@given(texts, st.booleans())
@settings(max_examples=500)
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
@settings(max_examples=300, deadline=None)
def test_block_only_parse_reads_what_the_full_parse_reads(text: str) -> None:
    doc = markdown.Document(text)
    assert (doc.headings, doc.code, doc.fences) == full_parse(text)


def test_documents_of_one_text_share_the_parse_not_the_lists() -> None:
    text = "# A\n\n## B\n\n```\ncode\n```\n"
    first, second = markdown.Document(text), markdown.Document(text)
    assert first.headings == second.headings and first.headings is not second.headings
    first.headings.clear()
    assert markdown.Document(text).headings == second.headings
