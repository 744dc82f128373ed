"""A fast, exact reader for the front matter storykit writes.

``storykit.story.model.dump_front`` writes block-style YAML (PyYAML's SafeDumper,
keys in order, ``allow_unicode``): ``key: value`` lines, nested mappings indented
by two spaces, ``- item`` sequences, plain or single-quoted scalars, ``[]`` and
``{}`` for empty collections.  ``load`` reads exactly that subset, line by line,
about three times faster than PyYAML's C loader (which resolves every scalar in
Python), and returns None for anything it is not sure to read as PyYAML does:
comments, blank lines, flow collections, double quotes, anchors, tags, block
scalars, tabs, continuation lines, and every plain scalar that YAML could read as
something other than text, a plain integer or finite decimal, ``true``/``false``/``null``
(dates, ``yes``/``on``, octal, hex, ``1_000``, ``.inf``...).  The caller then parses
the text with PyYAML: the result is always PyYAML's (tests/story/test_frontmatter_props.py
proves it with hypothesis).  It imports nothing beyond ``re`` and ``math``, but PyYAML's
resolvers for the rare plain scalar that looks like a number or a date and is text
("3.0.1", "0:30").
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

# Characters outside YAML's printable set, and those PyYAML reads specially
# (tab, CR, NEL, LS, PS, BOM): a text holding one is left to PyYAML.  Written as the
# few characters that are unsure, not as the complement of those that are: a class
# reaching U+10FFFF takes Python 6-19 ms to compile, on every command's start.
_ASCII_SURE = bytes([10, *range(0x20, 0x7f)])
_UNSURE_CHAR = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# A plain scalar is read here only if it does not start with an indicator ("-", "?"
# and ":" only before a non-space), holds no ": " or " #", and ends neither in ":" nor a space.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` ")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
# A superset of what YAML 1.1 reads as an int, a float or a timestamp.
_NUMBERISH = re.compile(r"(?:[-+]?(?:0x[0-9a-fA-F_]+|0b[01_]+|(?=[^0-9]*[0-9])[0-9_:.]*(?:[eE][-+][0-9]+)?"
                        r"|\.(?:inf|Inf|INF|nan|NaN|NAN))|[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt ].*)?)\Z")
_INT = re.compile(r"(?:0|-?[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+(?:e[-+][0-9]+)?\Z")
_WORDS: dict[str, Any] = {"true": True, "false": False, "null": None, "~": None}
# The words YAML 1.1 (as PyYAML implements it) reads as booleans or null: left to
# PyYAML, but for those storykit writes.
_SPECIAL_WORDS = frozenset(
    "yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL ~".split())


# Keys, values and whole "key: value" lines already read (a project repeats most of
# them: "status", "passed", "8", "    exit_code: 0"...); only immutable values, cleared when large.
_KEYS: dict[str, Any] = {}
_VALUES: dict[str, Any] = {}
_HEADS: dict[str, tuple[int, Any]] = {}  # "    key" -> (its indentation, its key): the line up to ": "
_LINES: dict[str, tuple[int, Any, Any]] = {}  # "    key: value" -> (its indentation, its key, its value)
_MEMO_LIMIT = 50_000
_LINES_LIMIT = 20_000  # a few MB of lines at most
_MISSING = object()
_SLOW_START = frozenset(["", "#", "-", ".", "'"])


class _Unsure(Exception):
    """The text is outside the subset read here."""


class Read(NamedTuple):
    """What the reader read: the mapping, the text's lines (split at \\n, the last
    newline's empty line dropped) and the index in them of each top-level key's line
    (storykit.actions.check numbers the lines it points findings at by them)."""

    meta: dict[str, Any]
    lines: list[str]
    starts: list[int]


def load(text: str) -> dict[str, Any] | None:
    """The front matter's mapping, exactly as PyYAML's SafeLoader reads it, or None
    when the text is outside the subset storykit writes (parse it with PyYAML).
    Every key it returns is text, every value text, a number, a boolean, None, or a
    list or mapping of such: JSON reads it back exactly (a cache entry needs no proof)."""
    read_ = read(text)
    return None if read_ is None else read_.meta


def read(text: str) -> Read | None:
    """``load`` with its by-products (see Read), or None."""
    if not text or not sure_text(text):
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    try:
        reader = _Reader(lines)
        starts: list[int] = []
        result = reader.mapping(0, starts)
        for at, line in reader.changed:  # the lines as they are in the text
            lines[at] = line
        if reader.at != len(lines):
            return None
        return Read(result, lines, starts)
    except _Unsure:
        return None


def sure_text(text: str) -> bool:
    """Whether every character of ``text`` is one YAML prints and PyYAML reads as
    itself: not a control character but newline, not tab, CR, NEL, LS, PS, a BOM,
    a surrogate or a non-character (U+FFFE, U+FFFF)."""
    if text.isascii():  # the common case: one pass in C over the bytes
        return not text.encode("ascii").translate(None, _ASCII_SURE)
    return _UNSURE_CHAR.search(text) is None


def _scalar(text: str) -> Any:
    """An inline value: a plain or single-quoted scalar, ``[]`` or ``{}``."""
    first = text[:1]
    if first == "'":
        match = _SINGLE.fullmatch(text)
        if match is None:
            raise _Unsure
        return match.group(1).replace("''", "'")
    if text == "[]":
        return []
    if text == "{}":
        return {}
    value = _VALUES.get(text, _MISSING)
    if value is _MISSING:
        if not _plain(text):
            raise _Unsure
        value = _resolve(text)
        if len(_VALUES) >= _MEMO_LIMIT:
            _VALUES.clear()
        _VALUES[text] = value
    return value


def _plain(text: str) -> bool:
    """Whether ``text`` is a plain scalar read as the text it is (see _INDICATORS)."""
    return bool(text) and (text[0] not in _INDICATORS or text[0] in "-?:" and text[1:2] not in ("", " ")) \
        and text[-1] not in ": " and ": " not in text and " #" not in text


def _resolve(text: str) -> Any:
    """A plain scalar's value, as YAML 1.1's implicit types read it."""
    if text in _SPECIAL_WORDS:
        if text in _WORDS:
            return _WORDS[text]
        raise _Unsure
    first = text[0]
    if first in "-+.0123456789" and _NUMBERISH.match(text):
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            number = float(text)
            if math.isfinite(number):  # "1.0e+999", an infinity, is left to PyYAML (no JSON holds one)
                return number
            raise _Unsure
        if _text_to_pyyaml(text):  # "3.0.1", "0:30", "2026-11-29 launch": numberish, yet text
            return text
        raise _Unsure
    if first in "<=":  # merge and value keys
        raise _Unsure
    return text


def _text_to_pyyaml(text: str) -> bool:
    """Whether PyYAML's SafeLoader resolves the plain scalar ``text`` to a string: none of
    its implicit resolvers (int, float, timestamp, bool, null...) matches it.  Asked only
    of the rare scalar made of digits, dots, colons and dashes that is neither a plain
    integer nor a decimal, so PyYAML is imported only then (before, such front matter was
    parsed by PyYAML whole)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # storykit.story.model's loader
    resolvers = loader.yaml_implicit_resolvers
    return not any(regexp.match(text) for _, regexp in [*resolvers.get(text[0], []), *resolvers.get(None, [])])


def _plain_key(name: str) -> Any:
    key = _KEYS.get(name, _MISSING)
    if key is _MISSING:
        if not _plain(name) or len(name) > 1000:  # YAML's simple keys are at most 1024 characters long
            raise _Unsure
        key = _resolve(name)
        if type(key) is not str:  # 1:, true:, null: keys: JSON would read them back as text
            raise _Unsure
        if len(_KEYS) >= _MEMO_LIMIT:
            _KEYS.clear()
        _KEYS[name] = key
    return key


def _key(content: str) -> tuple[Any, str | None] | None:
    """(key, inline value or None when the value is on the next lines) for a
    ``key: value`` line; None when the line is a scalar, not a key."""
    if content[:1] == "'":
        match = _SINGLE.match(content)
        if match is None:
            raise _Unsure
        end = match.end()
        if end == len(content):
            return None
        if content[end] != ":":
            raise _Unsure
        rest = content[end + 1:]
        key: Any = match.group(1).replace("''", "'")
    else:
        split = content.find(": ")
        if split >= 0:
            name, rest = content[:split], content[split + 1:]
        elif content.endswith(":"):
            name, rest = content[:-1], ""
        else:
            return None
        key = _plain_key(name)
    if len(content) - len(rest) > 1000:  # YAML's simple keys are at most 1024 characters long
        raise _Unsure
    if not rest:
        return key, None
    if rest[0] != " " or rest[1:2] in ("", " "):
        raise _Unsure
    return key, rest[1:]


class _Reader:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.at = 0
        self.changed: list[tuple[int, str]] = []  # lines rewritten by sequence(), as they were

    def mapping(self, indent: int, starts: list[int] | None = None) -> dict[Any, Any]:
        """The mapping at ``indent``; with ``starts``, the index of each key's line is added to it."""
        result: dict[Any, Any] = {}
        lines, count, at = self.lines, len(self.lines), self.at
        keys, values, heads, read_lines = _KEYS, _VALUES, _HEADS, _LINES
        while at < count:
            line = lines[at]
            if starts is not None:  # the top level: every line read in this loop is a key's
                starts.append(at)
            seen = read_lines.get(line)
            if seen is not None and seen[0] == indent:  # a line read before, whole
                result[seen[1]] = seen[2]
                at += 1
                continue
            head, colon, rest = line.partition(": ")
            if colon and rest and rest[0] != " ":
                known = heads.get(head)
                if known is not None and known[0] == indent:  # a "key: value" line like one read before
                    value = values.get(rest, _MISSING)
                    if value is _MISSING:
                        value = _scalar(rest)
                    result[known[1]] = value
                    if type(value) is not list and type(value) is not dict:
                        if len(read_lines) >= _LINES_LIMIT:
                            read_lines.clear()
                        read_lines[line] = (indent, known[1], value)
                    at += 1
                    continue
            content = line.lstrip(" ")
            depth = len(line) - len(content)
            if depth != indent:
                if depth < indent:
                    break
                raise _Unsure  # a continuation line
            name, colon, rest = content.partition(": ")
            # The common line, "key: value" with a key known or that cannot start a
            # comment, a sequence entry, a document marker or a quoted key.
            if colon and rest and rest[0] != " " and name[:1] not in _SLOW_START:
                key = keys.get(name, _MISSING)
                if key is _MISSING:
                    key = _plain_key(name)
                if len(heads) >= _MEMO_LIMIT:
                    heads.clear()
                heads[line[:depth + len(name)]] = (depth, key)
                value = values.get(rest, _MISSING)
                result[key] = _scalar(rest) if value is _MISSING else value
                at += 1
                continue
            if not colon and content[-1:] == ":" and name[:1] not in _SLOW_START:
                # "key:", its value on the next lines (a mapping or a sequence)
                name = content[:-1]
                key = keys.get(name, _MISSING)
                self.at = at + 1
                result[_plain_key(name) if key is _MISSING else key] = self.block(indent)
                at = self.at
                continue
            if not content or content[0] == "#" or content[:2] == "- " or content == "-":
                raise _Unsure  # blank lines, comments, sequence entries where keys belong
            if depth == 0 and content.startswith(("---", "...")):
                raise _Unsure
            found = _key(content)
            if found is None:
                raise _Unsure
            key, inline = found
            self.at = at + 1
            result[key] = self.block(indent) if inline is None else _scalar(inline)
            at = self.at
        self.at = at
        return result

    def block(self, indent: int) -> Any:
        """The value of a ``key:`` line at ``indent``: what the next lines hold."""
        lines = self.lines
        if self.at >= len(lines):
            return None
        line = lines[self.at]
        content = line.lstrip(" ")
        depth = len(line) - len(content)
        if content[:2] == "- " and depth >= indent:
            return self.sequence(depth)
        if depth > indent:
            return self.mapping(depth)
        return None

    def sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        lines = self.lines
        while self.at < len(lines):
            line = lines[self.at]
            content = line.lstrip(" ")
            depth = len(line) - len(content)
            if depth < indent or (depth == indent and content[:2] != "- "):
                break
            if depth > indent:
                raise _Unsure
            item = content[2:]
            if not item or item[0] in " #" or item[:2] == "- " or item == "-":
                raise _Unsure  # nested sequences, comments, odd spacing: PyYAML's
            if _key(item) is None:
                items.append(_scalar(item))
                self.at += 1
            else:  # a mapping whose first key is on the "- " line
                self.changed.append((self.at, line))
                lines[self.at] = " " * (indent + 2) + item
                items.append(self.mapping(indent + 2))
        return items
