"""A fast, line-based outline of a story body, for ``storykit check``.

``storykit.story.markdown.Document`` parses with markdown-it and is exact, but costs a few
milliseconds a story; check reads every story on every CI run (10,000 of them in a
large project), so it scans the same structure line by line instead: fenced code
blocks (``` or ~~~, closed only by a fence of the same character at least as long),
HTML comment blocks, and ATX headings outside them.  The queries are Document's own
(same results for every story storykit writes), borrowed rather than copied.

A text whose lines all end in LF (what storykit writes) is scanned as one string: one
pattern finds the lines that can open or close anything, ``str.count`` numbers them,
and placeholders, unticked items and ``**Label:**`` lines are searched in the whole
text, never line by line; the lines themselves are split only when a caller asks for
them.  Any other text (CR line ends) takes the line-by-line path, which the fast one
is proven equal to (tests/story/test_outline.py).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import cached_property

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
# The fast path's patterns over a whole LF text: a line that can open or close a block,
# a heading line (each led by its newline, the first line's matched apart), and
# _REF_LINK kept on one line (on a line of its own it cannot pass the line's end).  A
# newline first: the pattern engine jumps from newline to newline (``^`` with re.M
# would be tried at every position).
_BLOCK_CANDIDATE = re.compile(r"\n[ \t]*[`~<]")
_FIRST_BLOCK_CANDIDATE = re.compile(r"[ \t]*[`~<]")
_HEADING_LF = re.compile(r"\n {0,3}(#{1,6})(?=[ \t\n]|\Z)([^\n]*)")  # what _HEADING matches; _title: its title
_FIRST_HEADING = re.compile(r" {0,3}(#{1,6})(?=[ \t\n]|\Z)([^\n]*)")
# The heading lines of level 1 to N, as _HEADING_LF and _FIRST_HEADING find them (the
# look-ahead refuses a longer run of #s): a section of level N ends at the next of them.
_UP_TO = {level: (re.compile(rf"\n {{0,3}}(#{{1,{level}}})(?=[ \t\n]|\Z)([^\n]*)"),
                  re.compile(rf" {{0,3}}(#{{1,{level}}})(?=[ \t\n]|\Z)([^\n]*)")) for level in range(1, 7)}
_REF_LINK_LF = re.compile(r"\[[^\[\]\n]*\]\[[^\[\]\n]*\]")
# _CODE_SPAN and _PLACEHOLDER led by a literal, which the pattern engine searches for
# instead of trying every position: a run of k backticks is "`" and k-1 more (the same
# runs tried in the same order); the look-behind for a backslash is checked on the match
# (a match runs from "[" to the first "]", so no other can start inside it), as are the
# texts that are no placeholders: a task box, an alert ([!NOTE]), a footnote ([^1]).
_CODE_SPAN_LF = re.compile(r"`(`*)(?:.+?)`\1")
_BRACKETED = re.compile(r"\[(?<!\\\[)(?![ xX]\]|[!^])[^\[\]\n]+\](?![(\[:])")


def _title(after: str) -> str:
    """The title _HEADING finds in what follows a heading's #s (empty, or starting with a
    space or tab), stripped: its lazy title is the text left when the longest tail
    that ``(?:[ \t]+#+)?[ \t]*`` matches is taken off, found here with three strips
    instead of a pattern that tries every length (``tests/story/test_outline.py``)."""
    rest = after.lstrip(" \t")
    title = rest.rstrip(" \t")
    unclosed = title.rstrip("#")
    if len(unclosed) < len(title) and unclosed[-1:] in (" ", "\t"):
        title = unclosed.rstrip(" \t")  # a closing sequence: spaces or tabs, then #s
    return title.strip()


class Outline:
    """Lines, headings and code lines of a Markdown text, found without a parser."""

    titles = Document.titles
    checkboxes = Document.checkboxes

    def __init__(self, text: str) -> None:
        self.text = text
        self._lf = "\r" not in text
        self._blocks: list[tuple[int, int]] = []  # the code blocks' (start, end) offsets, on the fast path
        self._spans: list[tuple[int, int]] = []  # their (first, last) lines, in order, on the fast path
        if self._lf:
            self._scan_text()
        else:
            self.headings: list[Heading] = []
            self.code: set[int] = set()
            self._scan_lines()

    @classmethod
    def by_lines(cls, text: str) -> Outline:
        """The general path, line by line, whatever the line ends: the fast path is
        proven equal to it."""
        outline = cls.__new__(cls)
        outline.text, outline.headings, outline.code, outline._lf, outline._blocks = text, [], set(), False, []
        outline._spans = []
        outline._scan_lines()
        return outline

    def _scan_lines(self) -> None:
        self.lines = lines = split_lines(self.text)
        if "\r" in self.text.replace("\r\n", ""):
            candidates: Iterable[int] = range(len(lines))  # old Mac line ends: look at every line
        else:
            # Only lines starting with ` ~ # or < (after spaces and tabs) can open or close anything.
            candidates = [index for index, line in enumerate(lines)
                          if line[:1] in _OPENERS or line[:1] in _INDENT and line.lstrip(" \t")[:1] in _OPENERS]
        self._scan(candidates)

    @cached_property
    def lines(self) -> list[str]:
        return split_lines(self.text)

    @cached_property
    def line_count(self) -> int:
        if not self._lf:
            return len(self.lines)
        text = self.text
        return text.count("\n") + (1 if text and not text.endswith("\n") else 0)

    def line(self, index: int) -> str:
        """Line ``index`` with its ending, as ``lines[index]``, without splitting the text."""
        if not self._lf or "lines" in self.__dict__ or index < 0:
            return self.lines[index]
        text, start = self.text, 0
        for _ in range(index):
            start = text.find("\n", start) + 1
            if not start:
                raise IndexError(index)
        if start == len(text):  # past the last line
            raise IndexError(index)
        end = text.find("\n", start)
        return text[start:] if end < 0 else text[start:end + 1]

    def _scan_text(self) -> None:
        """``_scan``'s blocks over a text whose lines all end in LF: the lines that can
        open or close a block (fences, comments) are found by one pattern and walked in
        order as ``_scan`` walks them, each block kept as its first and last line.  The
        headings are found later, by another pattern, and only those asked for
        (``headings``, ``section``): a heading line never opens or closes a block, so
        finding the blocks first changes nothing.  Lines are numbered by counting newlines."""
        text = self.text
        fence: str | None = None
        opened = opened_at = 0
        skip_to = -1
        index = last = 0
        starts = [0] if _FIRST_BLOCK_CANDIDATE.match(text) else []
        starts += [match.start() + 1 for match in _BLOCK_CANDIDATE.finditer(text)]
        for start in starts:
            index += text.count("\n", last, start)
            last = start
            if index <= skip_to:
                continue
            stop = text.find("\n", start)
            if stop < 0:
                stop = len(text)
            line = text[start:stop]
            if fence is not None:
                stripped = line.strip()
                if stripped.startswith(fence) and stripped == fence[0] * len(stripped):
                    self._spans.append((opened, index))
                    self._blocks.append((opened_at, stop))
                    fence = None
                continue
            first = line.lstrip(" \t")[:1]
            if first in ("`", "~"):
                found = _FENCE_OPEN.match(line)
                if found:
                    fence, opened, opened_at = found.group(1) or found.group(2), index, start
            elif line.lstrip(" ").startswith("<!--"):
                close = text.find("-->", start + line.index("<!--") + 4)
                if close < 0:
                    skip_to, end = self.line_count - 1, len(text)
                else:
                    skip_to = index + text.count("\n", start, close)
                    end = text.find("\n", close)
                    end = len(text) if end < 0 else end
                self._spans.append((index, skip_to))
                self._blocks.append((start, end))
        if fence is not None:  # an unclosed fence runs to the end of the document
            self._spans.append((opened, self.line_count - 1))
            self._blocks.append((opened_at, len(text)))
        self._firsts = [first for first, _ in self._spans]

    def _in_code(self, index: int) -> bool:
        """``index in self.code``, from the blocks' spans (the fast path builds no set)."""
        if not self._lf:
            return index in self.code
        at = bisect_right(self._firsts, index) - 1
        return at >= 0 and index <= self._spans[at][1]

    @cached_property
    def code(self) -> set[int]:  # type: ignore[no-redef]
        """The lines inside code blocks and comments (the fast path's, from their spans)."""
        return {line for first, last in self._spans for line in range(first, last + 1)}

    @cached_property
    def headings(self) -> list[Heading]:  # type: ignore[no-redef]
        """The ATX headings outside code, in order (the fast path's, found when asked)."""
        return self._headings_up_to(6)

    def _headings_up_to(self, level: int) -> list[Heading]:
        """The headings of level 1 to ``level`` outside code, found in the text: a section
        needs no other."""
        text, headings = self.text, []
        following, first = _UP_TO[level]
        first_line = first.match(text)
        if first_line and not self._in_code(0):
            headings.append(Heading(len(first_line.group(1)), _title(first_line.group(2)), 0))
        index = last = 0
        for match in following.finditer(text):
            at = match.start() + 1  # the line, after its newline
            index += text.count("\n", last, at)
            last = at
            if not self._in_code(index):
                headings.append(Heading(len(match.group(1)), _title(match.group(2)), index))
        return headings

    def section(self, title: str, level: int = 2) -> tuple[int, int] | None:
        """Document.section, ending the last section at ``line_count`` (no split needed);
        each answer kept (check asks for some sections twice)."""
        asked = self.__dict__.setdefault("_sections", {})
        if (title, level) in asked:
            return asked[title, level]  # type: ignore[no-any-return]
        found = None
        wanted = title.casefold()
        if level not in asked:  # (casefolded title, start, end or None: the end of the text) per heading of the level
            spans: list[tuple[str, int, int | None]] = []
            after: int | None = None  # the line of the next heading of this level or a higher one
            known = self.__dict__.get("headings")
            if known is None:
                known = self._headings_up_to(level) if 1 <= level <= 6 else []  # (no heading has another level)
            for heading in reversed(known):
                if heading.level == level:
                    spans.append((heading.title.casefold(), heading.line + 1, after))
                if heading.level <= level:
                    after = heading.line
            asked[level] = spans[::-1]
        for folded, start, end in asked[level]:
            if folded.startswith(wanted):
                found = start, self.line_count if end is None else end
                break
        asked[title, level] = found
        return found

    def field_line(self, label: str) -> int | None:
        """Document.field_line: the first line outside code whose text after its leading
        whitespace starts with ``**Label:**``."""
        if not self._lf or "\n" in label:
            return Document.field_line(self, label)
        prefix, text = f"**{label}:**", self.text
        at = text.find(prefix)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            if start == at or text[start:at].isspace():  # nothing but what lstrip strips before it
                index = text.count("\n", 0, start)
                if not self._in_code(index):
                    return index
            at = text.find(prefix, at + 1)
        return None

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
        if not self._lf:
            return self.unticked_by_line(start, end)
        stop = self.line_count if end is None else end
        return [box for box in self._unticked if start <= box.line < stop]

    @cached_property
    def _unticked(self) -> list[Checkbox]:
        """Every unchecked item of an LF text: the lines holding "[ ]", found with
        ``str.find``, each matched as ``unticked_by_line`` matches it."""
        text = self.text
        found = []
        index = last = 0
        at = text.find("[ ]")
        while at >= 0:
            index += text.count("\n", last, at)
            last = at
            stop = text.find("\n", at)
            stop = len(text) if stop < 0 else stop + 1
            if not self._in_code(index):
                match = CHECKBOX.match(text[text.rfind("\n", 0, at) + 1:stop])
                if match and match.group(2) == " ":
                    found.append(Checkbox(index, False, match.group(4).strip()))
            at = text.find("[ ]", stop)
        return found

    def unticked_by_line(self, start: int = 0, end: int | None = None) -> list[Checkbox]:
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
        code, inline code, comments, links and task-list boxes.

        Fast path: the text outside code blocks, each code line left empty, goes
        through the same patterns at once; none of them matches a newline, so
        each line's matches are the ones it would have on its own."""
        if not self._lf:
            return self.placeholders_by_line(start, end)
        text, pieces, at = self.text, [], 0
        for begin, stop in self._blocks:  # in order, apart
            pieces += [text[at:begin], "\n" * text.count("\n", begin, stop)]
            at = stop
        prose = "".join([*pieces, text[at:]]) if pieces else text
        if "`" in prose:
            prose = _CODE_SPAN_LF.sub("", prose)
        if "<!--" in prose:
            prose = _COMMENT.sub("", prose)
        if "][" in prose:
            prose = _REF_LINK_LF.sub("", prose)
        found = []
        index = last = 0
        for match in _BRACKETED.finditer(prose):
            index += prose.count("\n", last, match.start())
            last = match.start()
            if index >= start and (end is None or index < end):
                found.append((index, match.group()))
        return found

    def placeholders_by_line(self, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
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
