"""A fast, line-based outline of a story body, for ``storykit check``.

``storykit.story.markdown.Document`` parses with markdown-it and is exact, but costs a few
milliseconds a story; check reads every story on every CI run (10,000 of them in a
large project), so it scans the same structure line by line instead: fenced code
blocks (``` or ~~~, closed only by a fence of the same character at least as long),
HTML comment blocks, and ATX headings outside them.  The queries are Document's own
(same results for every story storykit writes), borrowed rather than copied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from storykit.story.markdown import _CHECKBOX as CHECKBOX
from storykit.story.markdown import Checkbox, Document, Heading, split_lines

_OPENERS = frozenset("`~#<")
_INDENT = frozenset(" \t")
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
        if "\r" in text.replace("\r\n", ""):
            candidates: Iterable[int] = range(len(self.lines))  # old Mac line ends: look at every line
        else:
            # Only lines starting with ` ~ # or < (after spaces and tabs) can open or close
            # anything; a look at each line's first character is cheaper than a multi-line
            # pattern, which tries every position of the text.
            candidates = [index for index, line in enumerate(self.lines)
                          if line[:1] in _OPENERS or line[:1] in _INDENT and line.lstrip(" \t")[:1] in _OPENERS]
        self._scan(candidates)

    def _scan(self, candidates: Iterable[int]) -> None:
        lines = self.lines
        fence: str | None = None
        opened = 0
        skip_to = -1
        for index in candidates:
            if index <= skip_to:
                continue
            line = lines[index]
            if fence is not None:
                stripped = line.strip()
                if stripped.startswith(fence) and stripped == fence[0] * len(stripped):
                    self.code.update(range(opened, index + 1))
                    fence = None
                continue
            first = line.lstrip(" \t")[:1]
            if first in ("`", "~"):
                match = _FENCE_OPEN.match(line.rstrip("\r\n"))
                if match:
                    fence, opened = match.group(1) or match.group(2), index
            elif first == "#":
                match = _HEADING.match(line.rstrip("\r\n"))
                if match:
                    self.headings.append(Heading(len(match.group(1)), (match.group(2) or "").strip(), index))
            elif first == "<" and line.lstrip(" ").startswith("<!--"):
                skip_to = self._comment_end(index)
                self.code.update(range(index, skip_to + 1))
        if fence is not None:  # an unclosed fence runs to the end of the document
            self.code.update(range(opened, len(lines)))

    def _comment_end(self, index: int) -> int:
        """The line that closes the HTML comment opened on line ``index``."""
        line = self.lines[index]
        if "-->" in line[line.index("<!--") + 4:]:
            return index
        return next((i for i in range(index + 1, len(self.lines)) if "-->" in self.lines[i]), len(self.lines) - 1)

    def unticked(self, start: int = 0, end: int | None = None) -> list[Checkbox]:
        """The unchecked task-list items between two lines, outside code."""
        found = []
        for index in range(start, len(self.lines) if end is None else end):
            line = self.lines[index]
            if "[ ]" in line and index not in self.code:
                match = CHECKBOX.match(line)
                if match and match.group(2) == " ":
                    found.append(Checkbox(index, False, match.group(4).strip()))
        return found

    def placeholders(self, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
        """(line index, ``[text]``) for each bracketed template placeholder outside
        code, inline code, comments, links and task-list boxes."""
        found = []
        for index in range(start, len(self.lines) if end is None else end):
            line = self.lines[index]
            if index in self.code or "[" not in line:
                continue
            if "`" in line:
                line = _CODE_SPAN.sub("", line)
            if "<!--" in line:
                line = _COMMENT.sub("", line)
            if "][" in line:
                line = _REF_LINK.sub("", line)
            for match in _PLACEHOLDER.finditer(line):
                text = match.group(1)
                if text not in _NOT_PLACEHOLDERS and not text.startswith(("!", "^")):
                    found.append((index, match.group(0)))
        return found
