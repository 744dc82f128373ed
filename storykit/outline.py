"""A fast, line-based outline of a story body, for ``storykit check``.

``storykit.markdown.Document`` parses with markdown-it and is exact, but costs a few
milliseconds a story; check reads every story on every CI run (10,000 of them in a
large project), so it scans the same structure line by line instead: fenced code
blocks (``` or ~~~, closed only by a fence of the same character at least as long),
HTML comment blocks, and ATX headings outside them.  The queries are Document's own
(same results for every story storykit writes), borrowed rather than copied.
"""

from __future__ import annotations

import re

from storykit.markdown import Document, Heading, split_lines

_FENCE_OPEN = re.compile(r"^[ \t]*(?:(`{3,})[^`]*|(~{3,}).*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_COMMENT = re.compile(r"<!--.*?-->")
_REF_LINK = re.compile(r"\[[^\[\]]*\]\[[^\[\]]*\]")
_PLACEHOLDER = re.compile(r"(?<!\\)\[([^\[\]\n]+)\](?![(\[:])")
_NOT_PLACEHOLDERS = {" ", "x", "X"}


class Outline:
    """Lines, headings and code lines of a Markdown text, found without a parser."""

    section = Document.section
    titles = Document.titles
    field_line = Document.field_line
    checkboxes = Document.checkboxes

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.headings: list[Heading] = []
        self.code: set[int] = set()
        fence: str | None = None
        comment = False
        for index, line in enumerate(self.lines):
            if fence is not None:
                self.code.add(index)
                stripped = line.strip()
                if stripped.startswith(fence) and stripped == fence[0] * len(stripped):
                    fence = None
                continue
            if comment:
                self.code.add(index)
                comment = "-->" not in line
                continue
            first = line.lstrip(" \t")[:1]
            if first in ("`", "~"):
                match = _FENCE_OPEN.match(line.rstrip("\r\n"))
                if match:
                    fence = match.group(1) or match.group(2)
                    self.code.add(index)
                    continue
            elif first == "#":
                match = _HEADING.match(line.rstrip("\r\n"))
                if match:
                    self.headings.append(Heading(len(match.group(1)), (match.group(2) or "").strip(), index))
            elif first == "<" and line.lstrip(" ").startswith("<!--"):
                self.code.add(index)
                comment = "-->" not in line[line.index("<!--") + 4:]

    def placeholders(self, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
        """(line index, ``[text]``) for each bracketed template placeholder outside
        code, inline code, comments, links and task-list boxes."""
        found = []
        for index in range(start, len(self.lines) if end is None else end):
            line = self.lines[index]
            if index in self.code or "[" not in line:
                continue
            line = _REF_LINK.sub("", _COMMENT.sub("", _CODE_SPAN.sub("", line)))
            for match in _PLACEHOLDER.finditer(line):
                text = match.group(1)
                if text not in _NOT_PLACEHOLDERS and not text.startswith(("!", "^")):
                    found.append((index, match.group(0)))
        return found
