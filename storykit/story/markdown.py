"""Reading and splicing a story's Markdown without touching bytes storykit does not own.

Headings and code blocks are found with markdown-it-py (``token.map`` gives each
block's line range), so a ``## Heading`` inside a fenced block is never taken for a
section.  Edits splice whole lines: every line outside the replaced range keeps its
exact bytes, including its CRLF or LF ending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# markdown-it ends a line at \r\n, \r or \n; splitting the same way keeps its line
# numbers and ours in step (str.splitlines would also split at \x0c, \u2028, ...).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_CHECKBOX = re.compile(r"^(\s*[-*+]\s+\[)([ xX])(\]\s?)(.*?)(\r\n|\r|\n)?$")
_BACKTICKS = re.compile(r"`{3,}")


class Heading(NamedTuple):  # a tuple: made thousands of times per check, three times cheaper than a dataclass
    level: int
    title: str
    line: int  # 0-based index of the heading line


@dataclass(frozen=True)
class Checkbox:
    line: int
    checked: bool
    text: str


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Only block tokens are read: inline parsing (~40% of the time) is skipped; a
    # heading's title is its inline token's raw content either way.
    return MarkdownIt("commonmark").disable("inline")


Fence = tuple[str, str, int, int]  # (info, content, start, end)


@lru_cache(maxsize=8)
def _blocks(text: str) -> tuple[tuple[Heading, ...], frozenset[int], tuple[Fence, ...]]:
    """Headings, code lines and fences of ``text``, parsed once per distinct text:
    one ``run-tests`` reads the same body up to five times while editing it."""
    headings: list[Heading] = []
    code: set[int] = set()
    fences: list[Fence] = []
    tokens = _parser().parse(text)
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            title = tokens[index + 1].content.strip()
            headings.append(Heading(int(token.tag[1]), title, token.map[0]))
        elif token.type in ("fence", "code_block", "html_block") and token.map:
            code.update(range(token.map[0], token.map[1]))
            if token.type == "fence":
                fences.append((token.info.strip(), token.content, token.map[0], token.map[1]))
    return tuple(headings), frozenset(code), tuple(fences)


def split_lines(text: str) -> list[str]:
    """Lines with their endings kept; ``"".join(split_lines(t)) == t``."""
    if "\r" in text:
        return _LINE.findall(text)
    # Only \n ends a line: str.split does it in C, six times faster than the pattern
    # (``storykit check`` splits every story body after a clone).
    lines = text.split("\n")
    last = lines.pop()
    lines = [line + "\n" for line in lines]
    if last:
        lines.append(last)
    return lines


def newline_of(text: str) -> str:
    """The file's newline: that of its first line (LF when it has none)."""
    match = re.search(r"\r\n|\r|\n", text)
    return match.group(0) if match else "\n"


if TYPE_CHECKING:
    from collections.abc import Set
    from typing import Protocol

    class _Outlined(Protocol):
        """What Document's queries read: storykit.story.outline.Outline borrows them too."""

        @property
        def headings(self) -> list[Heading]: ...

        @property
        def lines(self) -> list[str]: ...

        @property
        def code(self) -> Set[int]: ...


class Document:
    """One parse of a Markdown text: its lines, headings and code-block lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        headings, self.code, fences = _blocks(text)
        self.headings, self.fences = list(headings), list(fences)  # the parse is shared; these lists are not

    def section(self: _Outlined, title: str, level: int = 2) -> tuple[int, int] | None:
        """Line range ``[start, end)`` of the body under the heading whose title starts
        with ``title`` (case-insensitive): from the line after the heading up to the
        next heading of the same or a higher level, or the end of the document."""
        wanted = title.casefold()
        for position, heading in enumerate(self.headings):
            if heading.level == level and heading.title.casefold().startswith(wanted):
                end = len(self.lines)
                for later in self.headings[position + 1:]:
                    if later.level <= level:
                        end = later.line
                        break
                return heading.line + 1, end
        return None

    def titles(self: _Outlined, level: int = 2) -> list[str]:
        return [h.title for h in self.headings if h.level == level]

    def field_line(self: _Outlined, label: str) -> int | None:
        """Index of the first line, outside code, that starts with ``**Label:**``."""
        prefix = f"**{label}:**"
        for index, line in enumerate(self.lines):
            if index not in self.code and line.lstrip().startswith(prefix):
                return index
        return None

    def checkboxes(self: _Outlined, start: int = 0, end: int | None = None) -> list[Checkbox]:
        """Task-list items (``- [ ]`` / ``- [x]``) between two lines, outside code."""
        found = []
        for index in range(start, len(self.lines) if end is None else end):
            if index in self.code:
                continue
            match = _CHECKBOX.match(self.lines[index])
            if match:
                found.append(Checkbox(index, match.group(2) != " ", match.group(4).strip()))
        return found


def replace_lines(text: str, start: int, end: int, new: str) -> str:
    """Replace lines ``[start, end)`` of ``text`` with ``new`` (written with LF
    endings, converted to the file's newline).  Bytes outside the range are kept."""
    lines = split_lines(text)
    newline = newline_of(text)
    if new and not new.endswith("\n"):
        new += "\n"
    if newline != "\n":
        new = new.replace("\n", newline)
    if start > 0 and start <= len(lines) and not re.search(r"[\r\n]\Z", lines[start - 1]):
        lines[start - 1] += newline  # splicing after a last line that had no ending
    return "".join(lines[:start]) + new + "".join(lines[end:])


def set_field(text: str, label: str, value: str, doc: Document | None = None) -> str:
    """Set the value of the ``**Label:** value`` line; ``KeyError`` when there is none."""
    doc = doc or Document(text)
    index = doc.field_line(label)
    if index is None:
        raise KeyError(label)
    line = doc.lines[index]
    ending = re.search(r"(\r\n|\r|\n)?\Z", line).group(0)  # type: ignore[union-attr]
    indent = line[: len(line) - len(line.lstrip())]
    new = f"{indent}**{label}:** {value}{ending}"
    return text if new == line else "".join(doc.lines[:index]) + new + "".join(doc.lines[index + 1:])


def tick(line: str) -> str:
    """The same task-list line, checked."""
    match = _CHECKBOX.match(line)
    if not match or match.group(2) != " ":
        return line
    return f"{match.group(1)}x{match.group(3)}{match.group(4)}{match.group(5) or ''}"


def untick(line: str) -> str:
    """The same task-list line, unchecked."""
    match = _CHECKBOX.match(line)
    if not match or match.group(2) == " ":
        return line
    return f"{match.group(1)} {match.group(3)}{match.group(4)}{match.group(5) or ''}"


def fence(content: str, info: str = "text") -> str:
    """``content`` in a fenced block no line of it can close: the fence is one
    backtick longer than the longest backtick run in the content (CommonMark closes
    a fence only with at least as many of the same character)."""
    longest = max((len(m) for m in _BACKTICKS.findall(content)), default=0)
    marker = "`" * max(3, longest + 1)
    body = content if content.endswith("\n") or not content else content + "\n"
    return f"{marker}{info}\n{body}{marker}\n"


def code_span(text: str) -> str:
    """``text`` as one inline code span that nothing in it can end or break: on one
    line (a newline in a command could start a ``## heading``), delimited by a
    backtick run longer than any inside it."""
    text = re.sub(r"[\r\n]+", " ", text)
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[:1] in ("`", " ", "") or text[-1:] in ("`", " ") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"
