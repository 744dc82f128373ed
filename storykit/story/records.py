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
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit.story.model import read_bytes

if TYPE_CHECKING:
    from collections.abc import Callable

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
    name = story_path.name
    dot = name.rfind(".")
    stem = name[:dot] if 0 < dot < len(name) - 1 else name  # PurePath.stem
    return os.path.join(os.path.dirname(str(story_path)), FOLDER, f"{stem}.json")


def wants_file(meta: dict[str, Any]) -> bool:
    """Whether a run of ``meta`` names an evidence digest: only then is the file read."""
    runs = meta.get("runs")
    return isinstance(runs, dict) and any(isinstance(r, dict) and r.get("evidence") for r in runs.values())


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


def audit_stamped(story_path: Path, meta: dict[str, Any]) -> tuple[list[str], Filed | None,
                                                                    tuple[int, int] | None]:
    """``audit``, and ``stamp_of`` as the file was before it was read: one stat."""
    runs = meta.get("runs")
    if not isinstance(runs, dict):
        return [], None, (-1, -1)
    wanted = {str(p): r["evidence"] for p, r in runs.items() if isinstance(r, dict) and r.get("evidence")}
    if not wanted:
        return [], None, (-1, -1)
    path = evidence_file(story_path)
    rel = f"{os.path.basename(os.path.dirname(str(story_path)))}/{FOLDER}/{os.path.basename(path)}"
    fix = "restore the file from git, or run the tests again"
    found_stat = _exists(path)
    if found_stat is None:
        first = next(iter(wanted))
        return [f"{rel} is missing: the {first} run's per-test records are not there; {fix}"], None, None
    regular = stat.S_ISREG(found_stat.st_mode)
    stored = _read_regular(path) if regular else None
    stamp = (found_stat.st_size, found_stat.st_mtime_ns) if regular else None
    if stored is None:
        return [f"{rel} is not a storykit evidence file (unreadable JSON, or not [node, outcome, why] records); "
                f"{fix}"], None, stamp
    found = []
    for phase, digest in wanted.items():
        filed = stored.get(phase)
        if filed is None:
            found.append(f"{rel} has no per-test records for the {phase} run; {fix}")
        elif filed[0] != digest:
            found.append(f"the per-test records of the {phase} run in {rel} do not match the digest in the front "
                         f"matter (edited by hand?); {fix}")
    return found, stored, stamp


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
