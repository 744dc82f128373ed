"""A fast, line-based outline of a story body, for ``storykit check``.

``storykit.story.markdown.Document`` parses with markdown-it and is exact, but costs a few
milliseconds a story; check reads every story on every CI run (10,000 of them in a
large project), so it scans the same structure line by line instead: fenced code
blocks (``` or ~~~, closed only by a fence of the same character at least as long),
HTML comment blocks, and ATX headings outside them.  The queries are Document's own
(same results for every story storykit writes), borrowed rather than copied.

A text whose lines all end in LF (what storykit writes) is read in ONE pass: one
pattern finds every line that can open or close a block, every heading, every line
starting with ``<!--`` and every ``**Status:**`` line, and a loop walks them in order,
keeping offsets only.  Story texts hold an emoji, so Python stores them 4 bytes a
character and every pass over a 10 KB body costs microseconds: the rules of check ask
in offsets (``span``, ``field``, ``placeholders_at``, ``unticked_at``, ``marks``), look
for placeholders and unticked items only between the offsets they ask about, and lines
are numbered only for what is reported.  Any other text (CR line ends) takes the
line-by-line path, which the fast one is proven equal to (tests/story/test_outline.py).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import cached_property
from itertools import chain

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
# The one pass over an LF text: the lines worth a look, each found by one alternative
# with one group that starts the line, so ``lastindex`` says which and ``start(lastindex)``
# where its line starts: 1 spaces and tabs, then a run of 3+ backticks or tildes (a fence
# that may open a block), 2 an ATX heading's #s, 3 the whitespace before a ``<!--`` (a
# comment block when only spaces; a region mark when the line is the mark alone), 4 the
# whitespace before a ``**Status:**`` line (what ``str.lstrip`` strips:
# ``[^\S\n]`` is exactly ``str.isspace`` but \n).  A newline first: the pattern engine
# jumps from newline to newline; the first line is matched apart.
_NOTES = r"(?:([ \t]*(?:`{3,}|~{3,}))|( {0,3}#{1,6})(?=[ \t\n]|\Z)|([^\S\n]*)<!--|([^\S\n]*)\*\*Status:\*\*)"
# Before the alternatives, one look at the line's first character turns down, in one
# set test, the lines that start with none of them (the whitespace of [^\S\n] spelled out).
_SPACES = "\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_NOTE = re.compile(r"\n(?=[ \t`~<#*" + _SPACES + "])" + _NOTES)
_FIRST_NOTE = re.compile(_NOTES)
_STATUS = "Status"
MARKS = ("<!-- storykit:measurements:start -->", "<!-- storykit:measurements:end -->")  # measurements.START, END
_MARKED = "<!-- storykit:measurements:"  # how both start
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
    title = after.strip()
    if not title.endswith("#"):
        return title  # (no closing sequence: the strips below come to this one)
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
        outline.text, outline.headings, outline.code, outline._lf = text, [], set(), False
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
        at, self.marks = 0, []
        for line in lines:
            if line.strip() in MARKS:
                self.marks.append((at, at + len(line), line.strip()))
            at += len(line)

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
        """``_scan`` over a text whose lines all end in LF, in one pass: the lines
        ``_NOTE`` finds are walked in order as ``_scan`` walks its candidates, keeping
        offsets: each block as (its first line's start, the end of its last line), each
        heading outside code as (level, its line's start, the end of its #s), the first
        Status line outside code, and every region mark line, in or out of code
        (``measurements.region_problem`` looks at every line).  A fenced block is not
        walked line by line: ``_fence_end`` finds its closing line with ``str.find``."""
        text = self.text
        size = len(text)
        blocks: list[tuple[int, int]] = []
        heads: list[tuple[int, int, int]] = []
        marks: list[tuple[int, int, str]] = []
        status = -1
        skip_end = -1  # the end of the last comment block's last line: the lines up to it are inside
        first = _FIRST_NOTE.match(text)
        found = _NOTE.finditer(text)
        while True:
            for match in (chain((first,), found) if first else found):
                kind = match.lastindex or 0  # (every alternative has its group)
                start = match.start(kind)
                if kind == 2:
                    if start > skip_end:
                        heads.append((len(match.group(2).lstrip(" ")), start, match.end()))
                    continue
                if kind == 3:  # <!-- after whitespace: maybe a region mark, wherever it is
                    stop = text.find("\n", start)
                    stop = size if stop < 0 else stop + 1
                    if text[start:stop].strip() in MARKS:
                        marks.append((start, stop, text[start:stop].strip()))
                if start <= skip_end:
                    continue
                if kind == 1:
                    after = match.end()
                    run = text[start:after].lstrip(" \t")
                    stop = text.find("\n", after)
                    stop = size if stop < 0 else stop
                    if run[0] == "~" or "`" not in text[after:stop]:  # _FENCE_OPEN: no backtick after the run
                        end = self._fence_end(run, stop, marks)
                        blocks.append((start, end))
                        found = _NOTE.finditer(text, end)  # on after the block
                        break
                    # (a line of backticks that opens nothing closes nothing either: no fence is open)
                elif kind == 3:
                    if not match.group(3).strip(" "):  # only spaces before it: a comment block
                        close = text.find("-->", match.end())
                        if close < 0:
                            skip_end = size
                        else:
                            skip_end = text.find("\n", close)
                            skip_end = size if skip_end < 0 else skip_end
                        blocks.append((start, skip_end))
                elif status < 0:
                    status = start
            else:
                break
            first = None
        self._blocks, self._heads, self.marks, self._status = blocks, heads, marks, status
        self._levels: dict[int, list[tuple[str, int, int]]] = {}

    def _fence_end(self, fence: str, after: int, marks: list[tuple[int, int, str]]) -> int:
        """The end of the line that closes ``fence`` (opened on the line ending at offset
        ``after``), or the text's end: the first later line that is spaces or tabs, then
        the fence's character at least as many times, then whitespace (``_scan``'s test).
        The region marks inside are added to ``marks``.  Both are found by ``str.find`` of
        one character (the fence's, and the "!" of "<!--"), which CPython searches in C
        at memory speed: code holds few of them."""
        text, size, char, end = self.text, len(self.text), fence[0], len(self.text)
        hit = text.find(char, after)
        while hit >= 0:
            begin = text.rfind("\n", 0, hit) + 1
            stop = text.find("\n", hit)
            stop = size if stop < 0 else stop
            if begin > after and (begin == hit or not text[begin:hit].strip(" \t")):
                stripped = text[begin:stop].strip()
                if len(stripped) >= len(fence) and stripped == char * len(stripped):
                    end = stop
                    break
            hit = text.find(char, stop)  # (no later character of this line starts it)
        hit = text.find("!", after, end)
        while hit >= 0:
            if text.startswith(_MARKED, hit - 1):
                begin = text.rfind("\n", 0, hit) + 1
                stop = text.find("\n", hit)
                stop = size if stop < 0 else stop + 1
                if text[begin:stop].strip() in MARKS:
                    marks.append((begin, stop, text[begin:stop].strip()))
            hit = text.find("!", hit + 1, end)
        return end

    def _in_block(self, start: int) -> bool:
        """Whether the line starting at offset ``start`` is inside a code block (fast path)."""
        blocks = self._blocks
        if not blocks:
            return False
        at = bisect_right(blocks, (start, len(self.text) + 1)) - 1
        return at >= 0 and start <= blocks[at][1]

    def _line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset)

    @cached_property
    def code(self) -> set[int]:  # type: ignore[no-redef]
        """The lines inside code blocks and comments (the fast path's, from their offsets)."""
        text, found, last = self.text, set[int](), self.line_count - 1
        for begin, end in self._blocks:
            first = text.count("\n", 0, begin)
            found.update(range(first, min(first + text.count("\n", begin, end), last) + 1))
        return found

    @cached_property
    def headings(self) -> list[Heading]:  # type: ignore[no-redef]
        """The ATX headings outside code, in order (the fast path's, from the pass's)."""
        text, found, line, last = self.text, [], 0, 0
        for level, start, after in self._heads:
            line += text.count("\n", last, start)
            last = start
            stop = text.find("\n", after)
            found.append(Heading(level, _title(text[after:] if stop < 0 else text[after:stop]), line))
        return found

    def _sections(self, level: int) -> list[tuple[str, int, int]]:
        """(casefolded title, start of its heading's line, start of the next heading of this
        level or a higher one, or the text's end) of each heading of ``level`` (fast path)."""
        found = self._levels.get(level)
        if found is None:
            text, found, end = self.text, [], len(self.text)
            for heading_level, start, after in reversed(self._heads):
                if heading_level == level:
                    stop = text.find("\n", after)
                    found.append((_title(text[after:] if stop < 0 else text[after:stop]).casefold(), start, end))
                if heading_level <= level:
                    end = start
            found.reverse()
            self._levels[level] = found
        return found

    def span(self, title: str, level: int = 2) -> tuple[int, int] | None:
        """``section`` in offsets: from the start of the line after the heading to the
        start of the next heading of the same or a higher level, or the text's end."""
        if not self._lf:
            lines = self.section(title, level)
            if lines is None:
                return None
            return sum(map(len, self.lines[:lines[0]])), sum(map(len, self.lines[:lines[1]]))
        wanted = title.casefold()
        for folded, start, end in self._sections(level):
            if folded.startswith(wanted):
                stop = self.text.find("\n", start)
                return (len(self.text) if stop < 0 else stop + 1), end
        return None

    def section(self, title: str, level: int = 2) -> tuple[int, int] | None:
        """Document.section, ending the last section at ``line_count`` (no split needed)."""
        if not self._lf:
            return Document.section(self, title, level)
        wanted = title.casefold()
        for folded, start, end in self._sections(level):
            if folded.startswith(wanted):
                return self._line_of(start) + 1, self.line_count if end == len(self.text) else self._line_of(end)
        return None

    def field(self, label: str) -> tuple[int, str] | None:
        """(index, line with its ending) of ``field_line(label)``, or None; the Status
        line is the one pass's."""
        if not self._lf or "\n" in label:
            index = Document.field_line(self, label)
            return None if index is None else (index, self.lines[index])
        text = self.text
        if label == _STATUS:
            start = self._status
            if start < 0:
                return None
        else:
            prefix = f"**{label}:**"
            at = text.find(prefix)
            while at >= 0:
                start = text.rfind("\n", 0, at) + 1
                if (start == at or text[start:at].isspace()) and not self._in_block(start):
                    break  # nothing but what lstrip strips before it, outside code
                at = text.find(prefix, at + 1)
            else:
                return None
        stop = text.find("\n", start)
        return self._line_of(start), text[start:] if stop < 0 else text[start:stop + 1]

    def field_line(self, label: str) -> int | None:
        """Document.field_line: the first line outside code whose text after its leading
        whitespace starts with ``**Label:**``."""
        if not self._lf:
            return Document.field_line(self, label)
        found = self.field(label)
        return None if found is None else found[0]

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
        return [box for box in self.unticked_at(0, len(self.text)) if start <= box.line < stop]

    def unticked_at(self, start: int, end: int) -> list[Checkbox]:
        """The unchecked items outside code on the lines from offset ``start`` to ``end``
        (each a line's start, or the text's end): "[ ]" looked for there alone."""
        text, found = self.text, list[Checkbox]()
        if not self._lf:
            first = len(split_lines(text[:start]))
            return self.unticked_by_line(first, first + len(split_lines(text[start:end])))
        at = text.find("[ ]", start, end)
        if at < 0:
            return found
        index, last = text.count("\n", 0, start), start
        while at >= 0:
            index += text.count("\n", last, at)
            last = at
            begin = text.rfind("\n", 0, at) + 1
            stop = text.find("\n", at)
            stop = len(text) if stop < 0 else stop + 1
            if not self._in_block(begin):
                match = CHECKBOX.match(text[begin:stop])
                if match and match.group(2) == " ":
                    found.append(Checkbox(index, False, match.group(4).strip()))
            at = text.find("[ ]", stop, end)
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
        code, inline code, comments, links and task-list boxes."""
        if not self._lf:
            return self.placeholders_by_line(start, end)
        found = self.placeholders_at(0, len(self.text))
        return [item for item in found if item[0] >= start and (end is None or item[0] < end)]

    def placeholders_at(self, start: int, end: int) -> list[tuple[int, str]]:
        """``placeholders`` on the lines from offset ``start`` to ``end`` (each a line's
        start, or the text's end).

        Fast path: the text there outside code blocks, each code line left empty, goes
        through the same patterns at once; none of them matches a newline, so each
        line's matches are the ones it would have on its own."""
        text = self.text
        if not self._lf:
            first = len(split_lines(text[:start]))
            return self.placeholders_by_line(first, first + len(split_lines(text[start:end])))
        found = self._placeholders(start, end)
        if found:
            first = text.count("\n", 0, start)
            return [(first + index, bracketed) for index, bracketed in found]
        return found

    def placeholders_in(self, start: int, end: int, numbered: bool = True) -> tuple[int | None, list[str]]:
        """(the line of the first, the texts) of ``placeholders_at(start, end)``, the
        line None when there is none or when not ``numbered`` (no newline counted)."""
        if not self._lf:
            found = self.placeholders_at(start, end)
            return (found[0][0] if found and numbered else None), [bracketed for _, bracketed in found]
        prose = self._prose(start, end)
        texts = _BRACKETED.findall(prose) if prose else []
        if not texts or not numbered:
            return None, texts
        first = _BRACKETED.search(prose).start()  # type: ignore[union-attr]
        return self.text.count("\n", 0, start) + prose.count("\n", 0, first), texts

    def _placeholders(self, start: int, end: int) -> list[tuple[int, str]]:
        """``placeholders_at`` on an LF text, each numbered from ``start``'s line."""
        prose, found = self._prose(start, end), []
        index = last = 0
        for match in _BRACKETED.finditer(prose):
            index += prose.count("\n", last, match.start())
            last = match.start()
            found.append((index, match.group()))
        return found

    def _prose(self, start: int, end: int) -> str:
        """The lines from offset ``start`` to ``end`` of an LF text, each code line left
        empty, without inline code, comments and reference links: what placeholders
        are looked for in (empty when there is no "[")."""
        text = self.text
        if text.find("[", start, end) < 0:
            return ""
        pieces, at = [], start
        for begin, stop in self._blocks:  # in order, apart
            if stop < start or begin >= end:
                continue
            begin, stop = max(begin, start), min(stop, end)
            pieces += [text[at:begin], "\n" * text.count("\n", begin, stop)]
            at = stop
        prose = "".join([*pieces, text[at:end]]) if pieces else text[start:end]
        if "`" in prose:
            prose = _CODE_SPAN_LF.sub("", prose)
        if "<!--" in prose:
            prose = _COMMENT.sub("", prose)
        if "][" in prose:
            prose = _REF_LINK_LF.sub("", prose)
        return prose

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
