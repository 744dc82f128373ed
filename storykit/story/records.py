"""Run records: a small typed summary per run in the front matter, and every test's
record in a committed evidence file beside the story (issue 11).

A story's front matter keeps, per run (``runs.red``, ``runs.green``, ...), when and
where it ran, the command, the exit code, the counts, the digest of the test files
and ``evidence``: the digest of that run's per-test records.  The records themselves
(node id, outcome, why) are in ``<stories>/.evidence/<story file stem>.json``, one
test per line in the order the tests ran, so the story's size does not grow with the
suite and a pull request's diff of the evidence is one line per test that changed.
``check`` recomputes each run's digest from the file: a hand edit is caught.

In memory a run keeps its records as today (``run["tests"]``: node id -> "outcome" or
"outcome why", in run order); ``load`` attaches them from the evidence file and
``dump_front`` leaves them out.  Stories written before the evidence file hold the
records inline: they are read as they are and move to the file at their next write
(or with ``storykit migrate``).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit.core import rules
from storykit.story.model import read_bytes

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from storykit.story.model import Story

FOLDER = ".evidence"
FORMAT = 1
PHASES = ("red", "green", "final", "validate")  # the order runs are written in
_SUMMARY_KEYS = ("at", "commit", "tree", "command", "exit_code", "duration", "counts", "total", "digest",
                 "evidence", "files", "log", "changes")


@dataclass(frozen=True)
class TestRecord:
    """One test of one run: its id, its outcome and, for a failure, why."""

    __test__ = False  # not a pytest test class, whatever its name says

    node: str
    outcome: str
    why: str | None = None

    def legacy(self) -> str:
        """The inline form: "failed AssertionError"."""
        return f"{self.outcome} {self.why}" if self.why else self.outcome


@dataclass
class RunRecord:
    """One recorded test run, as the rules read it."""

    at: str | None = None
    commit: str | None = None
    tree: str | None = None
    command: str = ""
    exit_code: int | None = None
    duration: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    digest: str | None = None  # sha256 of the test files as they ran
    evidence: str | None = None  # sha256 of the per-test records (in the evidence file)
    files: list[str] | None = None  # the test files, for a story whose tests are selected by marker
    log: str | None = None
    changes: dict[str, Any] | None = None  # Step 3 (green only)
    tests: list[TestRecord] | None = None  # None: not recorded, or not attached
    extra: dict[str, Any] = field(default_factory=dict)  # keys of other run kinds (validation commands)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RunRecord:
        """A record from the front matter (either form); tolerant of missing keys."""
        data = data if isinstance(data, dict) else {}
        counts = data.get("counts")
        tests = data.get("tests")
        return cls(
            at=_text(data.get("at")), commit=_text(data.get("commit")), tree=_text(data.get("tree")),
            command=str(data.get("command") or ""),
            exit_code=data.get("exit_code") if isinstance(data.get("exit_code"), int) else None,
            duration=float(data["duration"]) if isinstance(data.get("duration"), (int, float)) else 0.0,
            counts={str(k): int(v) for k, v in counts.items() if isinstance(v, int)} if isinstance(counts, dict)
            else {},
            total=int(data["total"]) if isinstance(data.get("total"), int) else 0,
            digest=_text(data.get("digest")), evidence=_text(data.get("evidence")),
            files=[str(f) for f in data["files"]] if isinstance(data.get("files"), list) else None,
            log=_text(data.get("log")),
            changes=data.get("changes") if isinstance(data.get("changes"), dict) else None,
            tests=_parse_inline(tests) if isinstance(tests, dict) else None,
            extra={k: v for k, v in data.items() if k not in _SUMMARY_KEYS and k != "tests"},
        )

    def outcomes(self) -> dict[str, str]:
        """node id -> "outcome[ why]", in run order (what the workflow rules read)."""
        return {t.node: t.legacy() for t in self.tests or []}

    def passed(self) -> list[str]:
        return [t.node for t in self.tests or [] if t.outcome == "passed"]

    def not_passed(self) -> list[TestRecord]:
        return [t for t in self.tests or [] if t.outcome != "passed"]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _parse_inline(tests: dict[str, Any]) -> list[TestRecord]:
    found = []
    for node, value in tests.items():
        outcome, _, why = str(value).partition(" ")
        found.append(TestRecord(str(node), outcome, why or None))
    return found


def runs_of(meta: dict[str, Any]) -> dict[str, RunRecord]:
    """The story's runs as typed records (per-test records only where attached)."""
    runs = meta.get("runs")
    return {str(k): RunRecord.from_dict(v) for k, v in runs.items()} if isinstance(runs, dict) else {}


# -- the evidence file ------------------------------------------------------------------

def evidence_path(story_path: Path) -> Path:
    """``<stories>/.evidence/<story file stem>.json``: beside the story, named after its
    file (two stories given one id on two branches never share one), and hidden from
    the scanners of ``*.md`` stories."""
    return story_path.parent / FOLDER / f"{story_path.stem}.json"


def evidence_file(story_path: Path) -> str:
    """``str(evidence_path(story_path))``, without building paths (``storykit check``
    asks it of every story, twice): the story's folder, the evidence folder, its stem."""
    text = str(story_path)
    folder, slash, name = text.rpartition("/")
    if folder and os.sep == "/":  # a folder but the root: its name, as os.path.dirname gives it
        dot = name.rfind(".")
        return f"{folder}/{FOLDER}/{name[:dot] if 0 < dot < len(name) - 1 else name}.json"
    name = story_path.name
    dot = name.rfind(".")
    stem = name[:dot] if 0 < dot < len(name) - 1 else name  # PurePath.stem
    return os.path.join(os.path.dirname(str(story_path)), FOLDER, f"{stem}.json")


def wants_file(meta: dict[str, Any]) -> bool:
    """Whether a run of ``meta`` names an evidence digest: only then is the file read."""
    runs = meta.get("runs")
    if not runs or not isinstance(runs, dict):
        return False
    for run in runs.values():  # (any() over a generator: the command asks it of every story)
        if isinstance(run, dict) and run.get("evidence"):
            return True
    return False


def stamp_of(story_path: Path, meta: dict[str, Any]) -> tuple[int, int] | None:
    """What ``audit`` of ``meta`` depends on besides ``meta``: (-1, -1) when it reads no
    file, else the evidence file's (size, mtime_ns) when it is a regular file; None when
    a stat cannot tell (missing, not a regular file, not to be stat-ed)."""
    if not wants_file(meta):
        return (-1, -1)
    try:
        found = os.stat(evidence_file(story_path))
    except (OSError, ValueError):
        return None
    return (found.st_size, found.st_mtime_ns) if stat.S_ISREG(found.st_mode) else None


def _line(test: TestRecord) -> str:
    return json.dumps([test.node, test.outcome, test.why], ensure_ascii=False)


def tests_digest(tests: list[TestRecord]) -> str:
    """sha256 over a run's per-test records, one canonical line each, in run order."""
    hasher = hashlib.sha256()
    for test in tests:
        hasher.update(_line(test).encode("utf-8") + b"\n")
    return "sha256:" + hasher.hexdigest()


def _inline(meta: dict[str, Any]) -> dict[str, list[TestRecord]]:
    """The per-test records held in ``meta`` (in memory, or inline in an old story)."""
    found = {}
    for phase, run in (meta.get("runs") or {}).items():
        if isinstance(run, dict) and isinstance(run.get("tests"), dict):
            found[str(phase)] = _parse_inline(run["tests"])
    return found


def dump_evidence(runs: dict[str, Any]) -> str:
    """The evidence file's text for ``runs`` (the front matter's ``runs`` with their
    records in memory): JSON, runs in workflow order, one test per line in run order."""
    by_phase = _inline({"runs": runs})
    phases = [p for p in PHASES if p in by_phase] + sorted(p for p in by_phase if p not in PHASES)
    out = ["{", f'  "format": {FORMAT},', '  "runs": {']
    for index, phase in enumerate(phases):
        tests = by_phase[phase]
        comma = "," if index < len(phases) - 1 else ""
        if not tests:
            out.append(f"    {json.dumps(phase)}: []{comma}")
            continue
        out.append(f"    {json.dumps(phase)}: [")
        out += [f"      {_line(t)}{',' if i < len(tests) - 1 else ''}" for i, t in enumerate(tests)]
        out.append(f"    ]{comma}")
    out += ["  }", "}"]
    return "\n".join(out) + "\n"


def parse_evidence(text: str) -> dict[str, list[TestRecord]]:
    """The per-test records of an evidence file, by run; raises ValueError when it is
    not one."""
    data = json.loads(text)
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, dict):
        raise ValueError("no 'runs' mapping")
    found: dict[str, list[TestRecord]] = {}
    for phase, tests in runs.items():
        if not isinstance(tests, list):
            raise ValueError(f"run {phase!r} is not a list")
        records = []
        for item in tests:
            if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)
                    and isinstance(item[1], str) and (item[2] is None or isinstance(item[2], str))):
                raise ValueError(f"a record of run {phase!r} is not [node, outcome, why]")
            records.append(TestRecord(item[0], item[1], item[2]))
        found[str(phase)] = records
    return found


def read_evidence(story_path: Path) -> dict[str, list[TestRecord]] | None:
    """The story's evidence file, parsed; None when it is missing or unreadable (or
    not a regular file: a FIFO or a device would block ``check`` or never end)."""
    path = evidence_path(story_path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        return parse_evidence(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def summary_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` as the front matter holds it: each run's per-test records replaced by
    their digest (``evidence``) — a copy; ``meta`` is not changed."""
    runs = meta.get("runs")
    if not isinstance(runs, dict) or not any(isinstance(r, dict) and "tests" in r for r in runs.values()):
        return meta
    out = dict(meta)
    out["runs"] = {}
    for phase, run in runs.items():
        if isinstance(run, dict) and isinstance(run.get("tests"), dict):
            run = {k: v for k, v in run.items() if k != "tests"}
            run["evidence"] = tests_digest(_parse_inline(meta["runs"][phase]["tests"]))
        out["runs"][phase] = run
    return out


def attach(story_path: Path, meta: dict[str, Any]) -> None:
    """Put each run's per-test records from the evidence file into ``meta`` (in place),
    where the file's records match the run's digest; a run whose records are missing
    or do not match is left without them (``check`` reports it: SK602)."""
    runs = meta.get("runs")
    if not isinstance(runs, dict) or not any(isinstance(r, dict) and r.get("evidence") and "tests" not in r
                                             for r in runs.values()):
        return
    stored = read_evidence(story_path) or {}
    for phase, run in runs.items():
        if not isinstance(run, dict) or "tests" in run or not run.get("evidence"):
            continue
        tests = stored.get(str(phase))
        if tests is not None and tests_digest(tests) == run["evidence"]:
            run["tests"] = {t.node: t.legacy() for t in tests}


def problems(story_path: Path, meta: dict[str, Any]) -> list[str]:
    """What is wrong between the front matter's run digests and the evidence file (for
    ``check``); ``meta`` as read from the file, without records attached."""
    return audit(story_path, meta)[0]


Filed = dict[str, tuple[str, list[tuple[str, str, str | None]]]]  # run -> (digest, [(node, outcome, why)])


def audit(story_path: Path, meta: dict[str, Any]) -> tuple[list[str], Filed | None]:
    """``problems``, and the evidence file as read for them (each run's digest and
    records; None when it was not read or is not an evidence file): one read per story."""
    found, stored, _ = audit_stamped(story_path, meta)
    return found, stored


def audit_stamped(story_path: Path, meta: dict[str, Any]) -> tuple[list[str], Filed | None, tuple[int, int] | None]:
    """``audit``, and ``stamp_of`` as the file was before it was read (its fstat once
    opened, or one stat).  Of the records, a run whose every test lies in one of the
    story's own test files (``rules.own_files`` of its ``tests``) may be left out: every
    run with a test outside them is there (what SK506 reads).  A file exactly as
    storykit writes it is judged from its bytes (``canonical``), anything else by the
    general reader (``filed_of``)."""
    runs = meta.get("runs")
    if not isinstance(runs, dict) or not runs:
        return [], None, (-1, -1)
    wanted = {str(p): r["evidence"] for p, r in runs.items() if isinstance(r, dict) and r.get("evidence")}
    if not wanted:
        return [], None, (-1, -1)
    path = evidence_file(story_path)
    opened = _open_file(path)
    if opened is not None:  # a file, not a link: opened, then its stat
        fd, found_stat = opened
        try:
            if not stat.S_ISREG(found_stat.st_mode):
                return [_not_evidence(story_path, path)], None, None
            stamp = (found_stat.st_size, found_stat.st_mtime_ns)
            try:
                data = _read_fd(fd, found_stat.st_size)
            except OSError:
                return [_not_evidence(story_path, path)], None, stamp
        finally:
            os.close(fd)
    else:
        linked = _exists(path)
        if linked is None:
            first = next(iter(wanted))
            return [f"{_rel(story_path, path)} is missing: the {first} run's per-test records are not there; "
                    f"{_FIX}"], None, None
        if not stat.S_ISREG(linked.st_mode):
            return [_not_evidence(story_path, path)], None, None
        stamp = (linked.st_size, linked.st_mtime_ns)
        try:
            data = read_bytes(path)
        except OSError:
            return [_not_evidence(story_path, path)], None, stamp
    lines = canonical(data)
    if lines is None:  # not as storykit writes it: the general reader
        stored = _decoded(data)
        if stored is None:
            return [_not_evidence(story_path, path)], None, stamp
        return _compared(story_path, path, wanted, {phase: entry[0] for phase, entry in stored.items()}), stored, stamp
    digests = {phase: "sha256:" + hashlib.sha256(lines[phase]).hexdigest() for phase in wanted if phase in lines}
    stored = {}
    tests = meta.get("tests")
    if not _in_one_own_file(data, tests):
        starts = _starts(rules.own_files(tests))
        stored = {phase: (digests.get(phase) or _digest(block), _records(block))
                  for phase, block in lines.items() if not _all_in(block, starts)}
    return _compared(story_path, path, wanted, digests), stored, stamp


def _compared(story_path: Path, path: str, wanted: dict[str, Any], digests: dict[str, str]) -> list[str]:
    """The problems of the runs ``wanted`` (run -> digest in the front matter) against
    the ``digests`` of the file's runs."""
    found = []
    for phase, digest in wanted.items():
        filed = digests.get(phase)
        if filed is None:
            found.append(f"{_rel(story_path, path)} has no per-test records for the {phase} run; {_FIX}")
        elif filed != digest:
            found.append(f"the per-test records of the {phase} run in {_rel(story_path, path)} do not match the "
                         f"digest in the front matter (edited by hand?); {_FIX}")
    return found


_FIX = "restore the file from git, or run the tests again"


def _rel(story_path: Path, path: str) -> str:
    """The evidence file as a finding names it: the stories folder's name, the evidence folder, the file."""
    return f"{os.path.basename(os.path.dirname(str(story_path)))}/{FOLDER}/{os.path.basename(path)}"


def _not_evidence(story_path: Path, path: str) -> str:
    return (f"{_rel(story_path, path)} is not a storykit evidence file (unreadable JSON, or not [node, outcome, why] "
            f"records); {_FIX}")


# Opened without a stat first: never a symbolic link (a link in a checkout may name a
# device, whose very opening acts), never waiting (a FIFO), never inherited.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FILE = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_file(path: str) -> tuple[int, os.stat_result] | None:
    """``path`` opened, with its stat, when it is no symbolic link (a regular file, or
    a folder or FIFO the caller refuses); None for anything else (missing, a link, not
    to be opened): the caller stats and reads it as before.  One open and an fstat,
    not a stat, an open and an fstat."""
    if not _NOFOLLOW:
        return None
    try:
        fd = os.open(path, _OPEN_FILE)
    except (OSError, ValueError):
        return None
    try:
        return fd, os.fstat(fd)
    except OSError:
        os.close(fd)
        return None


def _read_fd(fd: int, size: int) -> bytes:
    """The file's bytes (``read_bytes``) from an fd whose fstat gave ``size``: one read
    for a file that does not change meanwhile."""
    data = os.read(fd, size + 1)  # a byte more than the size: a file that grew is read on
    if len(data) != size:
        chunks = [data]
        while chunk := os.read(fd, max(size, 1 << 16)):
            chunks.append(chunk)
        data = b"".join(chunks)
    return data


def _decoded(data: bytes) -> Filed | None:
    try:
        return filed_of(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def _digest(lines: bytes) -> str:
    return "sha256:" + hashlib.sha256(lines).hexdigest()


def _records(lines: bytes) -> list[tuple[str, str, str | None]]:
    """The records of a run's canonical lines (``canonical``)."""
    return [(node, outcome, why) for node, outcome, why in json.loads(b"[" + lines.replace(b"\n", b",")[:-1] + b"]")] \
        if lines else []


# The evidence file exactly as dump_evidence writes it when no string in it is escaped:
# its strings hold no quote, backslash or control character, so each record's line is
# its canonical line (``_line``) and a run's digest is a hash of the file's own bytes.
# (Possessive repeats, Python 3.11: what they take is never given back, as nothing after them could use it.)
_STRING = rb'"[^"\\\x00-\x1f]*+"'
_RECORD = rb"\[" + _STRING + rb", " + _STRING + rb", (?:null|" + _STRING + rb")\]"
_HEAD = b'{\n  "format": 1,\n  "runs": {\n'
_TAIL = b"  }\n}\n"
_RUN = re.compile(rb'    "([^"\\\x00-\x1f]*+)": (?:\[\]|\[\n      (' + _RECORD + rb"(?:,\n      " + _RECORD
                  + rb")*+\n)    \])(,?)\n")


def canonical(data: bytes) -> dict[str, bytes] | None:
    """Each run's records as the lines its digest is taken over (``tests_digest``: one
    canonical line per test), read from an evidence file exactly as ``dump_evidence``
    writes it with no escaped string; None for anything else (the general reader's)."""
    if not data.startswith(_HEAD):
        return None
    found: dict[bytes, bytes] = {}
    pos, runs = len(_HEAD), 0
    if len(data) - pos != len(_TAIL):  # not an empty "runs"
        more = True
        while more:
            match = _RUN.match(data, pos)
            if match is None:
                return None
            block = match.group(2)
            found[match.group(1)] = block.replace(b",\n      ", b"\n") if block else b""
            pos, more, runs = match.end(), bool(match.group(3)), runs + 1
    if data[pos:] != _TAIL or len(found) != runs:  # (a run twice: the parser keeps the last one)
        return None
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return {name.decode("utf-8"): lines for name, lines in found.items()}
    return {name.decode("ascii"): lines for name, lines in found.items()}


def all_in(lines: bytes, files: Collection[str]) -> bool:
    """True only when every test of a run's canonical lines (``canonical``) lies in one
    of ``files``: its node id's part before the first ``::`` is one of them.  (False
    may still be so: for a file with a colon, or a node with no ``::``.)"""
    return _all_in(lines, _starts(files))


def _starts(files: Collection[str]) -> list[bytes]:
    """How a canonical line starts whose node lies in one of ``files``: '["FILE::', for
    each FILE with no colon (it ends where the node's first '::' is) and no quote (no
    string holds one, so '["FILE::' can start nowhere but at a line's start)."""
    return [b'["' + f.encode("utf-8", "surrogatepass") + b"::" for f in set(files) if ":" not in f and '"' not in f]


_RECORD_AT = b'\n      ["'  # how every record of a canonical file starts (canonical)


def _in_one_own_file(data: bytes, tests: Any) -> bool:
    """Whether every test of the canonical evidence file ``data`` lies in one of the
    story's own test files (``rules.own_files(tests)``), the first test's, told without
    building those files or the records: False may still be so."""
    at = data.find(_RECORD_AT)
    if at < 0:
        return True  # no record at all
    at += len(_RECORD_AT)
    end = data.find(b"::", at)
    first = data[at:end]  # the first node's file, when the first '::' is in it: no quote in between
    if end < 0 or not first or b'"' in first or b":" in first:
        return False
    return rules.own_file(first.decode("utf-8"), tests) \
        and data.count(_RECORD_AT + first + b"::") == data.count(_RECORD_AT)


def _all_in(lines: bytes, starts: list[bytes]) -> bool:
    total = lines.count(b"\n")  # one record a line
    if not total:
        return not lines
    if len(starts) == 1:
        return lines.count(starts[0]) == total
    return sum(lines.count(start) for start in starts) == total


def _exists(path: str) -> os.stat_result | None:
    """``Path(path).exists()``, keeping the stat: None where it is False, and the errors
    it raises raised."""
    try:
        return os.stat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return None
        raise
    except ValueError:
        return None


def read_filed(story_path: Path) -> Filed | None:
    """The story's evidence file as ``check`` needs it: each run's digest (``tests_digest``)
    and records; None when ``read_evidence`` would give None."""
    return _read_filed(evidence_path(story_path))


def _read_filed(path: Path) -> Filed | None:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
    except OSError:
        return None
    return _read_regular(path)


def _read_regular(path: Path | str) -> Filed | None:
    """``_read_filed`` of a file known to be a regular one."""
    try:
        # Bytes, not read_text: its newline translation changes only the whitespace
        # between JSON values (a raw line end inside a string is invalid either way).
        text = read_bytes(path).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return filed_of(text)


def filed_of(text: str) -> Filed | None:
    """``read_filed`` of a file holding ``text``: ``parse_evidence`` and ``tests_digest``
    (one ``json.dumps`` per test), or, for text with no backslash, the plain reader."""
    if "\\" not in text:
        return _read_plain(text)
    try:
        stored = parse_evidence(text)
    except ValueError:
        return None
    return {phase: (tests_digest(tests), [(t.node, t.outcome, t.why) for t in tests])
            for phase, tests in stored.items()}


def _read_plain(text: str) -> Filed | None:
    """``parse_evidence`` and ``tests_digest`` in one pass, for a file with no backslash:
    no string in it is escaped, and JSON allows no raw quote or control character in a
    string, so each record's canonical line (``_line``) is its strings between quotes,
    without a json.dumps per test.  None where parse_evidence raises ValueError."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, dict):
        return None
    found: Filed = {}
    for phase, tests in runs.items():
        if not isinstance(tests, list):
            return None
        lines, kept = [], []
        for item in tests:
            if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)
                    and isinstance(item[1], str) and (item[2] is None or isinstance(item[2], str))):
                return None
            node, outcome, why = item
            lines.append(f'["{node}", "{outcome}", null]\n' if why is None else f'["{node}", "{outcome}", "{why}"]\n')
            kept.append((node, outcome, why))
        found[str(phase)] = ("sha256:" + hashlib.sha256("".join(lines).encode("utf-8")).hexdigest(), kept)
    return found


def inline_count(front_meta: dict[str, Any]) -> tuple[int, int]:
    """(runs, per-test records) held inline in a front matter as read: the old form."""
    inline = _inline(front_meta)
    return len(inline), sum(len(t) for t in inline.values())


def evidence_text(story: Story) -> str | None:
    """The evidence file's text for ``story`` as it will be saved; None when no run
    has per-test records."""
    runs = story.meta.get("runs")
    if not isinstance(runs, dict) or not _inline(story.meta):
        return None
    return dump_evidence(runs)


def save(story: Story, write: Callable[[Path, str], bool]) -> list[Path]:
    """Write the story with ``write`` (an atomic writer that returns whether it wrote)
    and, when its front matter is rewritten, its evidence file first; returns the
    files written.  The front matter is rewritten only when a value changed, so an old
    story keeps its inline records until then."""
    written = []
    text = story.text()
    if story.rewrites_front():
        evidence = evidence_text(story)
        target = evidence_path(story.path)
        if evidence is not None and write(target, evidence):
            written.append(target)
    if write(story.path, text):
        written.append(story.path)
    return written
