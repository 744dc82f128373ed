"""A story file <-> a Story value: YAML front matter (the truth) and a Markdown body.

The front matter is storykit's: it is rewritten (in a fixed key order) only when a
value in it changes.  The body belongs to people, except the few regions that
``storykit.story.regions`` owns.  A UTF-8 BOM and the file's newline style are kept.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storykit.errors import StorykitError
from storykit.story.markdown import newline_of
from storykit.core.workflow import STATUSES

BOM = "\ufeff"

# The order keys are written in; unknown keys are kept after them (with a warning).
KEYS = (
    "id", "title", "status", "template", "created", "track", "agent", "estimate",
    "dependencies", "tests", "min_tests", "test_command", "validate", "timeout",
    "started", "completed", "completed_by", "actual", "overrides", "runs",
)
REQUIRED = ("id", "title", "status", "template", "created")
_LIST_KEYS = ("dependencies", "tests", "validate")
_STRING_KEYS = ("id", "title", "status", "template", "created", "track", "agent", "estimate",
                "test_command", "started", "completed", "completed_by", "actual")
_DELIMITER = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n)?\Z")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # a line with its ending, as markdown-it counts


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


def _parse_front(source: str, path: Path, first_line: int) -> dict[str, Any]:
    import yaml

    try:
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
    raise StorykitError(
        f"{path}:1: the front matter is never closed",
        hint="add a '---' line after its last key",
    )


def parse_raw(text: str, path: Path) -> tuple[dict[str, Any], str, str]:
    """(front matter as read, front block, body), the meta not yet validated; raises
    StorykitError (with file and line) only when the front matter cannot be read."""
    if text.startswith(BOM):
        text = text[1:]
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
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StorykitError(f"{path}: not UTF-8 text (byte {exc.start})", hint="save the file as UTF-8") from None


def load(path: Path) -> Story:
    """Read and parse one story file."""
    return parse(read_text(path), path)


def load_meta(path: Path) -> dict[str, Any]:
    """Only the front matter of a story, reading no more of the file than needed.

    ``list``, ``next`` and the tracker need no body; stopping at the closing
    delimiter keeps them fast at thousands of stories.
    """
    chunks: list[str] = []
    with path.open("r", encoding="utf-8", newline="") as handle:
        first = handle.readline()
        if first.startswith(BOM):
            first = first[1:]
        if not re.match(r"^---[ \t]*(?:\r\n|\r|\n)?\Z", first):
            raise StorykitError(f"{path}:1: no YAML front matter (the file must start with a '---' line)",
                                hint="recreate the story with 'storykit new' or restore its front matter from git")
        for line in handle:
            if _DELIMITER.match(line):
                meta = _parse_front("".join(chunks), path, 2)
                errors = [w for w in validate_meta(meta, path) if " unknown key " not in w]
                if errors:
                    raise StorykitError(errors[0])
                return meta
            chunks.append(line)
    raise StorykitError(f"{path}:1: the front matter is never closed", hint="add a '---' line after its last key")


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
    status = meta.get("status")
    if isinstance(status, str) and status and status not in STATUSES:
        close = difflib.get_close_matches(status, STATUSES, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(STATUSES)}"
        found.append(MetaProblem("status", "status", f"unknown status '{status}'", hint))
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
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            suffix = f" (did you mean '{close[0]}'?)" if close else ""
            found.append(MetaProblem("unknown", str(key), f"unknown key '{key}' in front matter{suffix}"))
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
    # The pure-Python dumper: libyaml's writes characters beyond U+FFFF (emoji in a
    # title) as "\U0001F534" escapes; the output is otherwise the same, ~1 ms a story.
    text = yaml.dump(ordered, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1000)
    front = f"---\n{text}---\n"
    return front.replace("\n", newline) if newline != "\n" else front
