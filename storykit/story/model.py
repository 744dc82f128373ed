"""A story file <-> a Story value: YAML front matter (the truth) and a Markdown body.

The front matter is storykit's: it is rewritten (in a fixed key order) only when a
value in it changes.  The body belongs to people, except the few regions that
``storykit.story.regions`` owns.  A UTF-8 BOM and the file's newline style are kept.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from storykit.core import fields
from storykit.errors import StorykitError
from storykit.story import frontmatter
from storykit.story.markdown import newline_of
from storykit.core.workflow import CLOSED_AS, STATUSES

BOM = "\ufeff"

# The order keys are written in; unknown keys are kept after them (with a warning).
KEYS = (
    "id", "title", "status", "template", "created", "track", "agent", "estimate",
    "priority", "labels",
    "dependencies", "tests", "min_tests", "test_command", "validate", "benchmarks", "timeout",
    "started", "completed", "completed_by", "actual",
    "closed_as", "closed_reason", "duplicate_of",
    "overrides", "runs",
    "claimed_by", "claimed_at",  # storykit start / release (per worktree's agent)
    "not_replayable",  # a reviewed acknowledgement that a commit does not replay (story/unreplayable.py)
    "flaky_red",  # a reviewed acknowledgement that the red test reproduces a race (story/unreplayable.py)
)
REQUIRED = ("id", "title", "status", "template", "created")
ONE_LINE_KEYS = ("title", "track", "agent", "estimate")  # shown in header lines and table cells
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LIST_KEYS = ("dependencies", "tests", "validate", "labels", "benchmarks")
_STRING_KEYS = ("id", "title", "status", "template", "created", "track", "agent", "estimate",
                "test_command", "started", "completed", "completed_by", "actual",
                "priority", "closed_as", "closed_reason", "duplicate_of",
                "claimed_by", "claimed_at")
_DELIMITER = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n)?\Z")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # a line with its ending, as markdown-it counts
# The lines git leaves around a conflict (the "=======" between them alone is also a
# Markdown heading underline, so the opening and closing markers are what is looked for).
_CONFLICT = re.compile(r"^(?:<{7}|>{7})(?:[ \t]|\r?$)", re.M)
CONFLICT_HINT = "resolve the conflict (keep one side and delete the <<<<<<< ======= >>>>>>> lines), then run again"


class ConflictError(StorykitError):
    """A story file holds git merge conflict markers (``storykit check``: SK106)."""


def conflict_line(text: str) -> int | None:
    """The line (1-based) of the first git conflict marker in ``text``, or None."""
    if "<<<<<<<" not in text and ">>>>>>>" not in text:
        return None
    match = _CONFLICT.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def refuse_conflict(text: str, path: Path, first_line: int = 1) -> None:
    """Raise ConflictError when ``text`` (starting at ``first_line`` of ``path``) has conflict markers."""
    line = conflict_line(text)
    if line is not None:
        raise ConflictError(f"{path}:{first_line + line - 1}: git merge conflict markers", hint=CONFLICT_HINT)


@dataclass
class Story:
    """One story file, parsed."""

    path: Path
    meta: dict[str, Any]
    body: str
    front: str = ""  # the front matter exactly as read, delimiters included
    bom: bool = False
    warnings: list[str] = field(default_factory=list)
    as_read: dict[str, Any] | None = None  # the meta as parsed and normalised

    @property
    def id(self) -> str:
        return str(self.meta["id"])

    @property
    def title(self) -> str:
        return str(self.meta["title"])

    @property
    def status(self) -> str:
        return str(self.meta["status"])

    @property
    def runs(self) -> dict[str, dict[str, Any]]:
        return self.meta.get("runs") or {}

    def rewrites_front(self) -> bool:
        """Whether ``text()`` writes the front matter anew (a value changed)."""
        return not self.front or self.meta != self.as_read

    def text(self) -> str:
        """The file's text, keeping the front matter's bytes while its values are
        those read (compared with a copy taken when parsed: YAML dates and numbers
        normalised to text are not a change, and nothing is parsed twice)."""
        front = self.front
        if self.rewrites_front():
            front = dump_front(self.meta, newline_of(self.front or self.body))
        return (BOM if self.bom else "") + front + self.body


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Front matter storykit writes is a few KiB (run records of a thousand tests stay
# far below); the cap bounds what any file can cost a reader (docs/reliability.md).
MAX_FRONT = 256 * 1024


def _too_large(path: Path) -> StorykitError:
    return StorykitError(f"{path}:1: the front matter is larger than {MAX_FRONT // 1024} KiB",
                         hint="storykit writes far less: restore it from git")


def _refuse_aliases(source: str, path: Path, first_line: int, loader: Any) -> None:
    """YAML anchors and aliases let a few bytes expand to gigabytes ("billion laughs")
    once anything walks the values; storykit never writes them, so none is read."""
    import yaml

    if "&" not in source and "*" not in source:
        return  # the common case: no event scan
    for event in yaml.parse(source, Loader=loader):
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            line = first_line + (event.start_mark.line if event.start_mark else 0)
            raise StorykitError(f"{path}:{line}: YAML anchors and aliases ({sign}{anchor}) are not allowed in "
                                "front matter", hint="storykit never writes them: write the values out")


def _parse_front(source: str, path: Path, first_line: int) -> dict[str, Any]:
    if len(source) > MAX_FRONT:
        raise _too_large(path)
    fast = frontmatter.load(source)  # what storykit writes, read fast; anything else goes to PyYAML
    if fast is not None:
        return fast
    return _pyyaml_front(source, path, first_line)


def _pyyaml_front(source: str, path: Path, first_line: int) -> dict[str, Any]:
    import yaml

    try:
        _refuse_aliases(source, path, first_line, _loader())
        data = yaml.load(source, Loader=_loader())  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = exc.problem or exc.context or "invalid YAML"
        raise StorykitError(
            f"{path}:{line}: malformed YAML front matter ({problem})",
            hint="fix the YAML between the two '---' lines",
        ) from None
    except yaml.YAMLError as exc:
        raise StorykitError(f"{path}: malformed YAML front matter ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StorykitError(
            f"{path}:{first_line}: the front matter is a {type(data).__name__}, not a mapping of keys",
            hint="write it as 'key: value' lines",
        )
    return data


def split_front(text: str, path: Path) -> tuple[str, str]:
    """(front matter block with its delimiters, body); raises when there is none."""
    if "\r" not in text:
        split = _split_front_lf(text)
        if split is not None:
            return split
    # Line by line up to the closing delimiter only: the body is not split into lines.
    lines = _LINE.finditer(text)
    first = next(lines, None)
    if first is None or not re.match(r"^---[ \t]*(?:\r\n|\r|\n)?\Z", first.group(0)):
        raise StorykitError(
            f"{path}:1: no YAML front matter (the file must start with a '---' line)",
            hint="recreate the story with 'storykit new' or restore its front matter from git",
        )
    for line in lines:
        if _DELIMITER.match(line.group(0)):
            return text[: line.end()], text[line.end():]
        if line.end() > MAX_FRONT:
            raise _too_large(path)
    raise StorykitError(
        f"{path}:1: the front matter is never closed",
        hint="add a '---' line after its last key",
    )


_OPENING = re.compile(r"---[ \t]*\n")


def _split_front_lf(text: str) -> tuple[str, str] | None:
    """``split_front`` of a text whose lines all end in \\n, found with ``str.find``
    instead of a pattern per line (``check`` splits every story after a clone); None
    for anything ``split_front`` refuses or that is not plainly valid, left to it."""
    newline = text.find("\n")
    if newline < 0 or not _OPENING.match(text[:newline + 1]):
        return None
    first_end = at = newline + 1
    while True:
        found = [i for i in (text.find("\n---", at - 1), text.find("\n...", at - 1)) if i >= 0]
        if not found:
            return None  # never closed: split_front says so
        start = min(found) + 1
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        if _DELIMITER.match(text[start:end]):
            if start > first_end and start > MAX_FRONT:
                return None  # too large: split_front says so
            return text[:end], text[end:]
        at = start + 1


def parse_raw(text: str, path: Path) -> tuple[dict[str, Any], str, str]:
    """(front matter as read, front block, body), the meta not yet validated; raises
    StorykitError (with file and line) only when the front matter cannot be read."""
    if text.startswith(BOM):
        text = text[1:]
    refuse_conflict(text, path)  # anywhere in the file: no writing command may touch it
    front, body = split_front(text, path)
    return _parse_front("".join(front.splitlines(keepends=True)[1:-1]), path, 2), front, body


def parse(text: str, path: Path) -> Story:
    """Parse a story's text; raises StorykitError with file and line on bad input."""
    bom = text.startswith(BOM)
    meta, front, body = parse_raw(text, path)
    story = Story(path=path, meta=meta, body=body, front=front, bom=bom)
    story.warnings = validate_meta(meta, path)
    from storykit.story import records

    records.attach(path, meta)  # each run's per-test records, from the evidence file beside the story
    story.as_read = copy.deepcopy(meta)  # commands change story.meta in place
    return story


def read_text(path: Path) -> str:
    return decode(read_bytes(path), path)


def read_raw(path: Path) -> tuple[dict[str, Any], str, str, frontmatter.Read | None]:
    """``parse_raw(read_text(path), path)`` and, when the fast reader read the front
    matter, what it read (frontmatter.Read: the lines check points findings at).

    A file as storykit writes it (a plain '---' line first, no CR, BOM or conflict
    marker) is split in its bytes, where a search costs a quarter of one in the text
    (a story's emoji make Python store its text 4 bytes a character), and its front
    matter and body are decoded apart: nothing is searched in the text, copied out of
    it or joined again.  Anything else takes parse_raw's path: same values, same errors
    (tests/story/test_read_raw.py proves it with hypothesis)."""
    data = read_bytes(path)
    split = _split_plain(data)
    if split is not None:
        end, closing = split
        try:
            front, body = data[:end].decode("utf-8"), data[end:].decode("utf-8")
        except UnicodeDecodeError:
            pass  # decode() says where
        else:
            source = front[4:len(front) - closing]  # UTF-8 never splits at a newline: both decode or neither
            read = frontmatter.read(source)
            if read is not None:
                return read.meta, front, body, read
            return _pyyaml_front(source, path, 2), front, body, None
    meta, front, body = parse_raw(decode(data, path), path)
    return meta, front, body, None


_CLOSING_LINE = re.compile(rb"(?:---|\.\.\.)[ \t]*\n?\Z")


def _split_plain(data: bytes) -> tuple[int, int] | None:
    """(where the body starts, the closing line's length) of a file that starts with a
    '---\\n' line, has no CR in its front matter and no conflict marker anywhere, whose
    first '---' or '...' line closes it, within MAX_FRONT; else None (parse_raw's)."""
    if not data.startswith(b"---\n"):
        return None
    close = data.find(b"\n---", 3)
    if close < 0:
        return None
    dots = data.find(b"\n...", 3, close + 3)  # "\n..." searched only up to the first "\n---"
    start = (close if dots < 0 else dots) + 1
    end = data.find(b"\n", start) + 1 or len(data)
    if start > MAX_FRONT or not _CLOSING_LINE.match(data, start, end) or data.find(b"\r", 0, end) >= 0:
        return None
    if b"\n<<<<<<<" in data or b"\n>>>>>>>" in data:  # a marker at a line start (the first is '---')
        return None
    return end, end - start


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def read_bytes(path: Path | str) -> bytes:
    """A file's bytes, as ``Path.read_bytes`` gives them, in a quarter of its time:
    one open, one fstat and (for a file that does not change meanwhile) one read,
    with no buffered file object around them.  Reading 10,000 stories is a read of
    each (docs/performance.md)."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)  # a byte more than the size: a file that grew is read on
        if len(data) != size:  # it shrank, it grew, or a short read: read to the end
            chunks = [data]
            while chunk := os.read(fd, max(size, 1 << 16)):
                chunks.append(chunk)
            data = b"".join(chunks)
        return data
    finally:
        os.close(fd)


def decode(data: bytes, path: Path) -> str:
    """A story file's bytes as text; not UTF-8 is an error naming the line and the byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise StorykitError(f"{path}:{line}: not UTF-8 (byte 0x{data[exc.start]:02x})",
                            hint="save the file as UTF-8") from None


def load(path: Path) -> Story:
    """Read and parse one story file."""
    return parse(read_text(path), path)


def load_meta(path: Path) -> dict[str, Any]:
    """Only the front matter of a story, decoding no more of the file than needed.

    ``list``, ``next`` and the tracker need no body; finding the closing delimiter
    with one search of the bytes keeps them fast at thousands of stories.
    """
    data = read_bytes(path)
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    first = _FIRST_LINE.match(data, start)
    if first is None:
        raise StorykitError(f"{path}:1: no YAML front matter (the file must start with a '---' line)",
                            hint="recreate the story with 'storykit new' or restore its front matter from git")
    close = _closing(data, first.end())
    if close is None:
        raise StorykitError(f"{path}:1: the front matter is never closed", hint="add a '---' line after its last key")
    if close - first.end() > MAX_FRONT:
        raise _too_large(path)
    try:
        source = data[first.end():close].decode("utf-8")
    except UnicodeDecodeError:
        return parse(read_text(path), path).meta  # the error names the line and the byte
    refuse_conflict(source, path, 2)
    meta = _parse_front(source, path, 2)
    errors = [w for w in validate_meta(meta, path) if " unknown key " not in w]
    if errors:
        raise StorykitError(errors[0])
    return meta


# The opening line; a closing delimiter line (at the start of a line, ending in any newline).
_FIRST_LINE = re.compile(rb"---[ \t]*(?:\r\n|\r|\n|\Z)")
_CLOSING_REST = re.compile(rb"[ \t]*(?:\r\n|\r|\n|\Z)")
_CLOSING = re.compile(rb"(?<![^\r\n])(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n|\Z)")


def _closing(data: bytes, start: int) -> int | None:
    """Where the closing delimiter line starts, searching from ``start`` (a line start)."""
    at = start - 1  # the newline before ``start``
    while True:
        found = data.find(b"\n---", at)
        end = found if found >= 0 else len(data)
        dots = data.find(b"\n...", at, end + 3)
        if dots >= 0:
            found, end = dots, dots
        if data.find(b"\r", start, end) >= 0:  # CR line ends before it: the general pattern
            match = _CLOSING.search(data, start)
            return match.start() if match else None
        if found < 0:
            return None
        if _CLOSING_REST.match(data, found + 4):
            return found + 1
        at = found + 1


def one_line_problem(text: str) -> bool:
    """True when ``text`` is not one line of printable text: a line break (any that
    ``str.splitlines`` knows) would let a title forge a ``**Status:**`` line."""
    if text.isprintable():  # no character of category C or Z but the space: the common case, in C
        return False
    import unicodedata

    return any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in text)


@dataclass(frozen=True)
class MetaProblem:
    """One thing wrong with a story's front matter; ``key`` locates it."""

    kind: str  # missing | type | status | unknown (the only warning)
    key: str
    message: str
    hint: str | None = None

    @property
    def error(self) -> bool:
        return self.kind != "unknown"


def meta_problems(meta: dict[str, Any]) -> list[MetaProblem]:
    """Every problem in the front matter, errors and warnings (``storykit check``
    reports them all).  Dates and numbers YAML typed are normalised to text in place."""
    if plainly_valid(meta):  # the common case, told apart in a few calls into C
        return []
    return all_meta_problems(meta)


_KNOWN_KEYS = frozenset(KEYS)
_TEXT_OR_NONE = frozenset([str, type(None)])
_NUMBER_TYPES = (int, float)


def plainly_valid(meta: dict[str, Any]) -> bool:
    """True only when ``all_meta_problems`` finds nothing and changes nothing: every key
    known, every text key text (the required ones not empty), a story id, one-line
    texts, a known status, priority and closed_as, lists of text, non-negative finite
    numbers, runs a mapping of mappings.  False sends ``meta`` to the general checks
    (tests/story/test_model.py proves the two agree)."""
    if not _KNOWN_KEYS.issuperset(meta) or not all(map(meta.get, REQUIRED)) \
            or not _TEXT_OR_NONE.issuperset(map(type, map(meta.get, _STRING_KEYS))):
        return False
    if not _ID.fullmatch(meta["id"]) or meta["status"] not in STATUSES \
            or not "".join(filter(None, map(meta.get, ONE_LINE_KEYS))).isprintable():
        return False
    priority, closed_as = meta.get("priority"), meta.get("closed_as")
    if priority is not None and priority not in fields.PRIORITIES \
            or closed_as is not None and closed_as not in CLOSED_AS:
        return False
    for key in _LIST_KEYS:
        value = meta.get(key)
        if value is not None and (type(value) is not list or not all(map(isinstance, value, repeat(str)))):
            return False
    for key in ("min_tests", "timeout"):
        value = meta.get(key)
        if value is not None and (type(value) not in _NUMBER_TYPES or not 0 <= value < float("inf")):
            return False
    runs = meta.get("runs")
    return runs is None or type(runs) is dict and all(map(isinstance, runs.values(), repeat(dict)))


def all_meta_problems(meta: dict[str, Any]) -> list[MetaProblem]:
    """meta_problems, every check made (the reference ``plainly_valid`` agrees with)."""
    found: list[MetaProblem] = []
    for key in REQUIRED:
        if key not in meta or meta[key] in (None, ""):
            found.append(MetaProblem("missing", key, f"front matter has no '{key}'",
                                     f"add '{key}:' to the front matter"))
    for key in _STRING_KEYS:
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            # YAML reads 2026-11-24 as a date and 1.5 as a float; both are fine as text.
            if key in ("created", "started", "completed", "estimate", "actual", "title") and not isinstance(
                value, (dict, list, bool)
            ):
                meta[key] = str(value)
                continue
            found.append(MetaProblem("type", key,
                                     f"front matter '{key}' must be text, not {type(value).__name__} ({value!r})",
                                     f"write it as {key}: \"...\""))
    story_id = meta.get("id")
    if isinstance(story_id, str) and story_id and not _ID.fullmatch(story_id):
        # An id names files (logs, the story's own name): never a path.
        found.append(MetaProblem("type", "id", f"front matter 'id' must be a story id such as STORY-001, "
                                 f"not {story_id!r}", "give it the id its file name starts with"))
    for key in ONE_LINE_KEYS:
        value = meta.get(key)
        if isinstance(value, str) and one_line_problem(value):
            found.append(MetaProblem("type", key, f"front matter '{key}' must be one line of text, not {value!r}",
                                     "put details in the story's body"))
    status = meta.get("status")
    if isinstance(status, str) and status and status not in STATUSES:
        import difflib

        close = difflib.get_close_matches(status, STATUSES, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(STATUSES)}"
        found.append(MetaProblem("status", "status", f"unknown status '{status}'", hint))
    found.extend(_field_problems(meta))
    for key in _LIST_KEYS:
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            found.append(MetaProblem(
                "type", key, f"front matter '{key}' must be a list of strings, not {type(value).__name__} ({value!r})",
                f"write it as {key}: [\"...\"] or as '- item' lines"))
    for key in ("min_tests", "timeout"):
        value = meta.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not 0 <= value < float("inf")):  # nan and inf are not numbers of seconds
            found.append(MetaProblem("type", key, f"front matter '{key}' must be a non-negative number, not {value!r}"))
    runs = meta.get("runs")
    if runs is not None and not isinstance(runs, dict):
        found.append(MetaProblem("type", "runs", f"front matter 'runs' must be a mapping, not {type(runs).__name__}",
                                 "storykit writes 'runs'; restore it from git"))
    elif runs:
        bad = [str(name) for name, run in runs.items() if not isinstance(run, dict)]
        if bad:
            found.append(MetaProblem("type", "runs", f"front matter 'runs.{bad[0]}' is not a run record",
                                     "storykit writes 'runs'; restore it from git"))
    for key in meta:
        if key not in KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), KEYS, n=1)
            suffix = f" (did you mean '{close[0]}'?)" if close else ""
            found.append(MetaProblem("unknown", str(key), f"unknown key '{key}' in front matter{suffix}"))
    return found


def _field_problems(meta: dict[str, Any]) -> list[MetaProblem]:
    """Priority and closed_as: one of their few values (storykit.core.fields)."""
    from storykit.core import fields

    found = []
    priority = meta.get("priority")
    if isinstance(priority, str) and priority not in fields.PRIORITIES:
        found.append(MetaProblem("type", "priority", f"front matter 'priority' must be one of "
                                 f"{', '.join(fields.PRIORITIES)}, not {priority!r}", "write it as priority: p1"))
    closed_as = meta.get("closed_as")
    if isinstance(closed_as, str) and closed_as not in CLOSED_AS:
        found.append(MetaProblem("type", "closed_as", f"front matter 'closed_as' must be one of "
                                 f"{', '.join(CLOSED_AS)}, not {closed_as!r}", "'storykit close' writes it"))
    return found


def validate_meta(meta: dict[str, Any], path: Path) -> list[str]:
    """Raise on the first real error in the front matter; return warnings (unknown keys)."""
    problems = meta_problems(meta)
    for problem in problems:
        if problem.error:
            raise StorykitError(f"{path}: {problem.message}", hint=problem.hint)
    return [f"{path}: {problem.message}" for problem in problems]


def dump_front(meta: dict[str, Any], newline: str = "\n") -> str:
    """The front matter block for ``meta``: fixed key order, stable bytes."""
    import yaml

    from storykit.story import records

    meta = records.summary_meta(meta)  # per-test records go to the evidence file, never here
    ordered = {key: meta[key] for key in KEYS if key in meta}
    ordered.update((key, value) for key, value in meta.items() if key not in ordered)
    # libyaml's dumper writes characters beyond U+FFFF (emoji in a title) as "\U0001F534"
    # escapes, so the pure-Python one writes any text that is not printable ASCII; for
    # printable ASCII the two write the same bytes (tests/story/test_dump_front_props.py)
    # and libyaml's is ten times faster: run records of hundreds of tests took 0.5 s.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper) if _printable_ascii(ordered) else yaml.SafeDumper
    text = yaml.dump(ordered, Dumper=dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1000)
    front = f"---\n{text}---\n"
    return front.replace("\n", newline) if newline != "\n" else front


def _printable_ascii(value: Any) -> bool:
    """True when every text in ``value`` (keys included) is printable ASCII and the
    rest is numbers, booleans, None, lists and mappings."""
    kind = type(value)
    if kind is str:
        return value.isascii() and value.isprintable()  # type: ignore[no-any-return]
    if kind is dict:
        return all(_printable_ascii(key) and _printable_ascii(item) for key, item in value.items())
    if kind is list:
        return all(_printable_ascii(item) for item in value)
    return value is None or kind in (int, float, bool)
