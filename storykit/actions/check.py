"""``storykit check``: every rule a reviewer relies on, over every story, read-only.

Each story file is read once; its front matter is parsed with the same code as
every other command and its body scanned with ``storykit.story.outline`` (a line scan, not
a Markdown parser).  Evidence staleness compares file digests, never git, so the
whole check costs one read per story file and one per test file.  The rules return
Finding values; the command prints them.
"""

from __future__ import annotations

import contextlib
import gc
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from storykit.core.settings import min_tests_of
from storykit.core import rules as audit
from storykit.story import evidence
from storykit.story import records
from storykit.story import unreplayable
from storykit.core import graph
from storykit.core import measure
from storykit.story import regions
from storykit.story import model as story
from storykit.core.rules import ERROR, WARNING
from storykit.errors import StorykitError
from storykit.story.outline import Outline
from storykit.project import loading
from storykit.project.cache import RACY_NS, MetaCache, ResultCache
from storykit.project.store import Entry, Project
from storykit.core.workflow import CLOSED_AS as LABELS_CLOSED
from storykit.core.workflow import LABELS

if TYPE_CHECKING:
    from storykit import git
    from storykit.story import frontmatter

# code -> what it means; docs/ci.md lists the same table.
CODES = {
    "SK101": "the front matter cannot be read (missing, unclosed, malformed YAML, not UTF-8)",
    "SK102": "a required front-matter key is missing",
    "SK103": "a front-matter value has the wrong type",
    "SK104": "unknown status",
    "SK105": "unknown front-matter key (warning)",
    "SK107": "a test path is outside the project, or not a regular file or folder",
    "SK108": "the story brings its own test_command or validate commands (warning)",
    "SK106": "git merge conflict markers in the story",
    "SK201": "a mandatory section is missing",
    "SK202": "the **Status:** line is missing",
    "SK203": "the **Status:** line disagrees with the front matter (warning)",
    "SK301": "two story files have the same id",
    "SK302": "the file name does not start with the story's id",
    "SK401": "a dependency does not exist",
    "SK402": "dependency cycle",
    "SK403": "depends on a story closed as wont-do or obsolete: never ready (warning)",
    "SK404": "closed as a duplicate of a story that does not exist",
    "SK501": "the status needs a recorded failing (red) run",
    "SK502": "the status needs a passing run recorded after the failing one",
    "SK503": "done without a recorded completion (set to done by hand)",
    "SK504": "validated, or done with validation configured, without a passing validation run",
    "SK505": "not-started but runs are recorded (warning)",
    "SK506": "a run record does not belong to this story (copied or set by hand)",
    "SK507": "closed without how or why (closed_as, closed_reason, duplicate_of)",
    "SK508": "a run record's commit is not in HEAD's history (made up, or rewritten by a squash or rebase)",
    "SK520": "a commit of the story is acknowledged as not replayable (warning): review who and why",
    "SK521": "the not_replayable acknowledgement is malformed",
    "SK522": "the red test is acknowledged as reproducing a race (warning): review who and why",
    "SK523": "the flaky_red acknowledgement is malformed",
    "SK601": "test files changed since the recorded passing run (stale evidence)",
    "SK602": "the evidence file's per-test records do not match the digests in the front matter (or it is missing)",
    "SK603": "tests edited after red: the story's test files changed between the red and the green run (warning)",
    "SK604": "a benchmark measured worse after the implementation than before, beyond the margin (warning)",
    "SK605": "the measurements region does not say what the recorded benchmarks measured (edited by hand)",
    "SK701": "template placeholders left in a done story (warning)",
    "SK702": "unticked items left in a done story (warning)",
    "SK801": "the tracker is not what 'storykit tracker' would write",
}
_LOCATED = re.compile(r"^(?P<path>.+?)(?::(?P<line>\d+))?: (?P<message>.*)$", re.S)


class Finding(NamedTuple):
    """One problem: where it is, its code, how bad, and what to do.  A tuple: tens of
    thousands are made, sorted (by their fields, in this order) and kept in a big
    project, each in a fraction of a dataclass's time."""

    path: str
    line: int
    code: str
    severity: str
    message: str

    def text(self) -> str:
        label = "warning: " if self.severity == WARNING else ""
        message = " ".join(self.message.splitlines())  # one line per finding, whatever the message holds
        return f"{self.path}:{self.line}: {self.code} {label}{message}"

    def github(self) -> str:
        """A GitHub Actions workflow command: an annotation on the file and line."""
        def prop(value: str) -> str:
            return (value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
                    .replace(":", "%3A").replace(",", "%2C"))

        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{self.severity} file={prop(self.path)},line={self.line},title={prop(self.code)}::{message}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "code": self.code, "severity": self.severity,
                "message": self.message}


@dataclass
class Report:
    findings: list[Finding]
    stories: int
    notes: list[str] = field(default_factory=list)  # what check could not know, said once (not findings)
    # What the findings were made from (every story as read, the cache's entries), freed
    # with the report: the storykit program ends without freeing it (storykit.__main__),
    # where freeing 10,000 stories one object at a time took 40-60 ms.
    held: Any = field(default=None, repr=False, compare=False)

    @cached_property
    def errors(self) -> int:  # asked more than once of tens of thousands of findings
        return sum(1 for f in self.findings if f.severity == ERROR)

    @cached_property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)


@dataclass
class _Parsed:
    """One story as check sees it: valid front matter and its lines, for locating findings."""

    path: Path
    rel: str
    meta: dict[str, Any]
    front: list[str]
    findings: list[Finding] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # key -> line, when known without ``front``
    front_text: str = ""  # the front block, when ``front`` is not split: its lines are found in the text
    read: Any = None  # what the fast reader read of the front matter (frontmatter.Read), when it did

    @cached_property
    def id(self) -> str:  # asked 100,000 times by the rules over 10,000 stories: its meta is never changed
        return str(self.meta["id"])

    def key_line(self, key: str) -> int:
        if key in self.lines:
            return self.lines[key]
        if not self.front and self.front_text:
            return front_key_line(self.front_text, key)
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        return next((i + 1 for i, line in enumerate(self.front) if pattern.match(line)), 1)

    def body_line(self, index: int) -> int:
        if not self.front and self.front_text:
            return front_line_count(self.front_text) + index + 1
        return len(self.front) + index + 1

    def add(self, code: str, message: str, *, line: int | None = None, key: str | None = None,
            severity: str = ERROR) -> None:
        where = line if line is not None else self.key_line(key) if key else 1
        self.findings.append(Finding(self.rel, where, code, severity, message))


_LINE_KEYS = ("id", "dependencies", "status", "duplicate_of")
_LINE_KEY_STARTS = {key[0] for key in _LINE_KEYS}


def key_lines(front: list[str]) -> dict[str, int]:
    """``key_line`` of each of ``_LINE_KEYS`` in one pass over the front matter's lines:
    the first line that is the key, whitespace, then a colon (as ``key_line``'s pattern)."""
    found: dict[str, int] = {}
    for index, line in enumerate(front):
        if line[:1] in _LINE_KEY_STARTS:
            name, colon, _ = line.partition(":")
            key = name.rstrip()  # str.rstrip and the pattern's \s agree on what whitespace is
            if colon and key in _LINE_KEYS and key not in found:
                found[key] = index + 1
    return {key: found.get(key, 1) for key in _LINE_KEYS}


# What str.splitlines ends a line at, besides \n: a front block with none of them is
# numbered by counting newlines.
_OTHER_LINE_ENDS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_ASCII_LINE_ENDS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")
_KEY_AT = re.compile(r"\n(id|dependencies|status|duplicate_of)[^\S\n]*:")  # [^\S\n]: what rstrip strips
_RUNS_AT = re.compile(r"\nruns:")
_TOP_LEVEL = re.compile(r"\n[^ ]")
# In a runs: block, the lines commit_lines acts on: a phase (two spaces, then not a
# space) or a commit (four spaces and commit:); every other line of the block leaves
# its state as it is.
_PHASE_OR_COMMIT = re.compile(r"\n(?:(  [^ \n][^\n]*)|    commit:)")


def _only_lf(text: str) -> bool:
    """Whether str.splitlines ends the lines of ``text`` at \n only."""
    if text.isascii():  # str.find is cheaper than a character class
        return not any(end in text for end in _ASCII_LINE_ENDS)
    return not _OTHER_LINE_ENDS.search(text)


def front_key_line(front: str, key: str) -> int:
    """The first line (from 1) of ``front.splitlines()`` that is ``key``, whitespace and a
    colon, or 1 — found in the text when only \n ends its lines."""
    if not _only_lf(front):
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        return next((i + 1 for i, line in enumerate(front.splitlines()) if pattern.match(line)), 1)
    text = "\n" + front
    match = re.search(rf"\n{re.escape(key)}[^\S\n]*:", text)  # [^\S\n]: \s short of the line's end
    return text.count("\n", 0, match.start() + 1) if match else 1


def front_line_count(front: str) -> int:
    """``len(front.splitlines())``, counted when only \n ends its lines."""
    if not _only_lf(front):
        return len(front.splitlines())
    return front.count("\n") + (1 if front and not front.endswith("\n") else 0)


def front_lines(front: str) -> dict[str, int]:
    """``key_lines`` and ``commit_lines`` of ``front.splitlines()``, found in the text:
    the keys by one pattern, the commits in the ``runs:`` block only."""
    if not _only_lf(front):
        lines = front.splitlines()
        return {**key_lines(lines), **commit_lines(lines)}
    text = "\n" + front  # every line, the first too, follows a newline; a line's number is the newlines up to it
    found: dict[str, int] = {}
    for match in _KEY_AT.finditer(text):
        if match.group(1) not in found:
            found[match.group(1)] = text.count("\n", 0, match.start() + 1)
    keys = {key: found.get(key, 1) for key in _LINE_KEYS}
    commits: dict[str, int] = {}
    for match in _RUNS_AT.finditer(text):
        after = _TOP_LEVEL.search(text, match.end())
        end = after.start() if after else len(text)
        phase = None
        number, last = 1, 0  # the line after the newline at ``last``, counted from 1
        for line in _PHASE_OR_COMMIT.finditer(text, match.end(), end):  # as commit_lines, inside runs:
            number += text.count("\n", last, line.start())
            last = line.start()
            if line.group(1) is None:
                if phase:
                    commits[f"runs.{phase}.commit"] = number
            elif line.group(1).rstrip().endswith(":"):
                phase = line.group(1).strip()[:-1]
    return {**keys, **commits}


def check(project: Project, run_commits: str | None = None) -> Report:
    """Every finding over the project's stories and tracker, sorted by file and line.

    ``run_commits`` (strict, warn, off) overrides the config's: whether a run
    record's commit must be in HEAD's history (SK508).

    What a story file alone decides (its front matter, sections, status against its
    runs) is cached by file stamp in .storykit/cache, like the front matter of
    ``list``; what depends on other files — ids, dependencies and cycles across
    stories, test-file digests, the tracker — is checked every time."""
    from storykit.project.cache import paused_gc

    findings: list[Finding] = []
    files = project.story_files()
    folder = project.rel(project.config.stories_path)  # resolved once, not per file
    digests: dict[Path, bytes] = {}
    memo: dict[tuple[str, ...], str] = {}
    path_problems: dict[str, str | None] = {}  # test path -> its problem: thousands of stories share a few
    config = project.config
    # Everything in the config that a cached finding depends on (a change empties the cache).
    salt = repr((bool(config.validate), config.min_tests, config.id_prefix, config.id_width, folder,
                 project.rel(config.tracker_path)))
    cache = MetaCache(config.state_path, config.stories_path, kind="check", salt=salt)

    def read(path: Path) -> dict[str, Any]:
        return _local(project, path, folder)

    notes: list[str] = []
    mode = run_commits or config.run_commits
    # Thousands of parsed front matters are acyclic; the cycle collector re-walking
    # them all on every generation-2 pass cost a quarter of the run.
    with _history_asked(project, mode) as history, paused_gc(), contextlib.ExitStack() as stack:
        taken: dict[str, _Parsed | None] = {}  # file name -> the story, or None: not usable
        # The tracker's Entry of each story read ahead (a fresh clone: the tracker is rendered
        # in a worker forked after the read), made here while the other core still reads;
        # made in the worker, each would touch pages copied from this process.
        entries: dict[str, Entry] = {}

        def take(path: Path) -> None:
            """One story's result, with the rules that depend on other files."""
            name = path.name
            local = cache.meta(path, read)
            found = [Finding(*f) for f in local["findings"]]
            if not local["usable"]:
                findings.extend(found)
                taken[name] = None
                return
            parsed = _Parsed(path, f"{folder}/{name}", local["meta"], [], found, dict(local["lines"]))
            _path_rule(project, parsed, path_problems)  # not cached: it depends on the test paths, not the story file
            ahead = cache.read_in_this_pass(path)
            _evidence_kept(parsed, local.get("evidence"), trusted=ahead)
            if local["stale"]:
                _stale_rule(project, parsed, digests, memo)
            taken[name] = parsed
            if ahead:
                entries[name] = Entry(path, parsed.meta)

        def take_all(group: list[Path]) -> None:
            for path in group:
                take(path)

        # A fresh clone's stories are parsed on every core, and each is taken here as soon
        # as it is in, while the others are still read; the rest (all, with a warm cache) after.
        cache.read_ahead(files, read, each=take_all)
        names = [path.name for path in files]
        for path, name in zip(files, names, strict=True):
            if name not in taken:
                take(path)
        stories = [parsed for parsed in map(taken.__getitem__, names) if parsed is not None]
        fresh = cache.taken_ahead() == len(files)  # every story read ahead: a fresh clone
        cache.save()
        all_usable = len(stories) == len(files)
        stamps = cache.stamps
        # The tracker's rule, the longest of those over all stories, on another core meanwhile:
        # at once in a fresh clone, where nothing is kept of any of them; else only when what
        # is kept of the others is out of date (a fork costs a warm check more than it saves).
        beside = all_usable and loading.worth_it(len(stories))

        kept = _rules_kept(project, stamps, salt, all_usable=all_usable)  # (hashed before a fork: no copied pages)

        def start_tracker(made: list[Entry] | None) -> loading.Beside[list[Finding]]:
            return stack.enter_context(loading.Beside(lambda: _tracker_kept(project, stories, stamps, kept, made)))

        tracker = start_tracker([entries[name] for name in names]) if beside and fresh else None
        cached = kept.get()
        if beside and tracker is None and not isinstance(cached, list):
            tracker = start_tracker(None)
        _history_rule(project, stories, mode, run_commits is not None, notes, history)
        if isinstance(cached, list):
            whole = [Finding(*item) for item in cached]
        else:
            whole = _cross_findings(project, stories)
            kept.put([list(f) for f in whole])  # (while the other core renders the tracker)
        if all_usable:  # (else 'storykit tracker' itself would refuse: not judged)
            whole += tracker.result() if tracker is not None else _tracker_kept(project, stories, stamps, kept)
        findings.extend(f for f in whole if f.code != "SK801")
        for parsed in stories:
            findings.extend(parsed.findings)
        findings.sort()  # by path, line, code, severity, message: tuples, compared in C
        findings.extend(f for f in whole if f.code == "SK801")  # the tracker last, after every story
        # Kept until the command ends (storykit.cli.app.run): printing need not walk it again.
        # Frozen before the collector is back: the first allocation after it would start a
        # collection of everything allocated while it was paused (all of it in generation 0).
        gc.freeze()
    return Report(findings, len(files), notes, held=(cache, taken))


def _tracker_kept(project: Project, stories: list[_Parsed], stamps: dict[str, tuple[int, int]], rules: ResultCache,
                  entries: list[Entry] | None = None) -> list[Finding]:
    """The tracker rule over ``stories`` (every story file, all readable, read under
    ``stamps``; ``entries``: the same as the tracker takes them, when already made), kept
    in .storykit/cache beside what ``rules`` keeps of the other rules over all stories,
    under the tracker's stamp too."""
    try:
        stat = project.config.tracker_path.stat()
        tracker_stamp = (stat.st_size, stat.st_mtime_ns)
    except FileNotFoundError:
        tracker_stamp = (-1, -1)
    kept = rules.also("check-tracker", {"\0tracker": tracker_stamp})
    cached = kept.get()
    if isinstance(cached, list):
        return [Finding(*item) for item in cached]
    found = _tracker_rule(project, entries or [Entry(p.path, p.meta) for p in stories], stamps)
    kept.put([list(f) for f in found])
    return found


def _rules_kept(project: Project, stamps: dict[str, tuple[int, int]], salt: str, *, all_usable: bool) -> ResultCache:
    """Where the findings of the rules over all stories are kept: under the stamps of
    every story file (cache.ResultCache)."""
    return ResultCache(project.config.state_path, "check-project", stamps, f"{salt}\0{all_usable}")


def _cross_findings(project: Project, stories: list[_Parsed]) -> list[Finding]:
    """The findings of ``_cross_rules``, taken out of the stories (each story's own
    findings stay its own)."""
    before = {id(p): len(p.findings) for p in stories}
    _cross_rules(project, stories)
    found = [f for p in stories for f in p.findings[before[id(p)]:]]
    for parsed in stories:
        del parsed.findings[before[id(parsed)]:]
    return found


def _local(project: Project, path: Path, folder: str) -> dict[str, Any]:
    """What one story file alone yields: its findings, its front matter, the lines of
    the keys later rules point at, and whether its evidence is to be checked for
    staleness.  A pure function of the file and the config (hence cacheable)."""
    findings: list[Finding] = []
    read = _read(project, path, findings, folder)
    if read is None:
        return {"usable": False, "findings": [list(f) for f in findings]}
    parsed, outline = read
    stale = _story_rules(project, parsed, outline)
    lines = front_lines(parsed.front_text) if parsed.read is None else front_lines_fast(parsed.read)
    found = [list(f) for f in parsed.findings]
    evidence = _evidence_verdict(_Parsed(path, parsed.rel, parsed.meta, [], [], dict(lines)))
    local = {"usable": True, "meta": parsed.meta, "stale": stale, "lines": lines, "findings": found,
             "evidence": evidence}
    # What the fast reader read is JSON-exact (str keys; text, numbers, booleans, None, lists,
    # mappings), and meta_problems only turns values into text: with findings of text and
    # whole numbers, the cache encodes the result without reading it back (cache.Exact).
    if parsed.read is not None and type(stale) is bool and _plain_findings(found) and (
            evidence is None or type(evidence[0]) is int and type(evidence[1]) is int and _plain_findings(evidence[2])):
        from storykit.project.cache import Exact

        return Exact(local)
    return local


def _plain_findings(findings: list[list[Any]]) -> bool:
    """Whether every finding is made of text and whole numbers only."""
    for finding in findings:
        for value in finding:
            if type(value) is not str and type(value) is not int:
                return False
    return True


def _evidence_verdict(parsed: _Parsed) -> list[Any] | None:
    """The evidence rule's findings on ``parsed`` (a story as the command's loop makes it:
    the same lines, so the same findings), run where the story is read — on every core
    in a fresh clone — with the stamp they hold under: [size, mtime_ns, findings].  None
    when the stamp cannot be trusted: no stat, or a file too fresh (an edit in the same
    clock tick could keep it: the racy-clean rule of storykit.project.cache)."""
    before = _evidence_file_rule(parsed)
    if before is None or before != (-1, -1) and before[1] >= time.time_ns() - RACY_NS:
        return None
    return [*before, [list(f) for f in parsed.findings]]


def _evidence_kept(parsed: _Parsed, kept: Any, *, trusted: bool = False) -> None:
    """The evidence rule on ``parsed``: the verdict read with the story when the evidence
    file still has the stamp it was read under (``trusted``: read in this very pass,
    as the story itself was, so no second stat), else the rule itself."""
    if isinstance(kept, list) and len(kept) == 3 and (
            trusted or records.stamp_of(parsed.path, parsed.meta) == (kept[0], kept[1])):
        if kept[2]:
            parsed.findings.extend([Finding(*f) for f in kept[2]])
    else:
        _evidence_file_rule(parsed)


def _read(project: Project, path: Path, findings: list[Finding], folder: str) -> tuple[_Parsed, Outline] | None:
    """Parse one story file; a file whose front matter cannot be used yields findings only."""
    rel = f"{folder}/{path.name}"
    try:
        meta, front, body, fast = story.read_raw(path)
    except StorykitError as exc:
        located = _LOCATED.match(str(exc))
        line = int(located.group("line")) if located and located.group("line") else 1
        message = located.group("message") if located and located.group("path") == str(path) else str(exc)
        code = "SK106" if isinstance(exc, story.ConflictError) else "SK101"
        findings.append(Finding(rel, line, code, ERROR, message))
        return None
    parsed, outline = _Parsed(path, rel, meta, [], front_text=front, read=fast), Outline(body)
    codes = {"missing": "SK102", "type": "SK103", "status": "SK104", "unknown": "SK105"}
    problems = story.meta_problems(meta)
    for problem in problems:
        hint = f"; {problem.hint}" if problem.hint else ""
        parsed.add(codes[problem.kind], problem.message + hint, key=problem.key if problem.kind != "missing" else None,
                   severity=ERROR if problem.error else WARNING)
    _body_rules(parsed, outline)
    if any(p.error for p in problems):
        findings.extend(parsed.findings)
        return None
    return parsed, outline


def _body_rules(parsed: _Parsed, outline: Outline) -> None:
    for name in regions.MANDATORY_SECTIONS:
        if outline.span(name) is None:
            parsed.add("SK201", f"no '## {name}' section; restore it from git or the template",
                       line=parsed.body_line(0))
    status = outline.field("Status")
    if status is None:
        parsed.add("SK202", "no '**Status:**' line; restore it from the template (storykit keeps it up to date)",
                   line=parsed.body_line(0))
    elif str(parsed.meta.get("status")) in LABELS:
        shown = status[1].strip()
        wanted = f"**Status:** {LABELS[str(parsed.meta['status'])]}"
        if shown != wanted:
            parsed.add("SK203", f"the Status line says '{shown[len('**Status:**'):].strip()}' but the front matter "
                       f"says {parsed.meta['status']}; the front matter is the truth, storykit rewrites the line "
                       f"at the next transition", line=parsed.body_line(status[0]), severity=WARNING)


def _story_rules(project: Project, parsed: _Parsed, outline: Outline) -> bool:
    """The rules on one story's own evidence; True when its staleness is to be checked."""
    meta = parsed.meta
    name = parsed.path.name
    file_id = parsed.id if _named_by(name, parsed.id, project.config) else project.file_id(name)
    if file_id != parsed.id:
        named = f"starts with {file_id}" if file_id else "does not start with a story id"
        parsed.add("SK302", f"the file name {named} but its id is {parsed.id}; rename it to "
                   f"{parsed.id}-<title>.md (storykit finds stories by file name)", key="id")
    _own_commands(parsed)
    _not_replayable_rule(parsed)
    runs = meta.get("runs")
    if runs or meta.get("status") != "not-started":  # (not started, no runs: nothing to disagree with)
        validation = bool(meta.get("validate") or project.config.validate)
        problems = audit.evidence_problems(meta, min_tests=min_tests_of(meta, project.config), validation=validation)
        problems += audit.ownership_problems(meta)
        for code, severity, message in problems:
            parsed.add(code, message, key="status", severity=severity)
        if any(severity == ERROR for _, severity, _ in problems):
            return False  # the status itself is wrong: staleness and done-story rules would only add noise
    if runs:
        _tests_edited_rule(parsed)
        _degradation_rule(parsed)
    _region_rule(parsed, outline)
    if meta.get("status") == "done":
        _done_body_rules(parsed, outline)
    return True


def _named_by(name: str, story_id: str, config: Any) -> bool:
    """True only when ``project.file_id(name) == story_id``, decided without its pattern:
    the name is the id, then '-' or '.md', and the id is canonical (the prefix, then its
    number in at least ``id_width`` digits, padded with zeros to that width only)."""
    prefix, digits = config.id_prefix, story_id[len(config.id_prefix):]
    if not (name.startswith(story_id) and story_id.startswith(prefix) and digits.isascii() and digits.isdigit()):
        return False
    rest = name[len(story_id):]
    width = config.id_width
    return (rest[:1] == "-" or rest == ".md") and (len(digits) == width or len(digits) > width and digits[0] != "0")


def _not_replayable_rule(parsed: _Parsed) -> None:
    """A commit acknowledged as not replayable, or a red test acknowledged as flaky, is
    shown on every check, so an acknowledgement can never quietly stand in for
    evidence (docs/verify.md)."""
    if parsed.meta.get(unreplayable.FLAKY_KEY) is not None:
        _flaky_red_rule(parsed)
    if parsed.meta.get(unreplayable.KEY) is None:
        return  # (no acknowledgement: no problem, nothing to show)
    problem = unreplayable.problem(parsed.meta)
    if problem:
        parsed.add("SK521", f"{problem}; see docs/verify.md", key=unreplayable.KEY)
        return
    ack = unreplayable.read(parsed.meta)
    if ack is not None:
        parsed.add("SK520", f"{parsed.id}'s commit {ack.describe()}; 'storykit verify {parsed.id}' reports it "
                   "as not replayable", key=unreplayable.KEY, severity=WARNING)


def _flaky_red_rule(parsed: _Parsed) -> None:
    problem = unreplayable.flaky_problem(parsed.meta)
    if problem:
        parsed.add("SK523", f"{problem}; see docs/verify.md", key=unreplayable.FLAKY_KEY)
        return
    flaky = unreplayable.read_flaky(parsed.meta)
    if flaky is not None:
        parsed.add("SK522", f"{parsed.id}'s red replay is tried up to {flaky.attempts} times ({flaky.describe()}); "
                   f"'storykit verify {parsed.id}' says on which attempt its tests failed",
                   key=unreplayable.FLAKY_KEY, severity=WARNING)


def _own_commands(parsed: _Parsed) -> None:
    """What runs is visible: a story's own commands are named, so a reviewer sees a pull
    request that changes what 'run-tests' or 'validate' would execute."""
    meta = parsed.meta
    own = meta.get("test_command")
    if own:
        parsed.add("SK108", f"{parsed.id} brings its own test_command ({own}): 'storykit run-tests' runs it in a "
                   "shell; review it", key="test_command", severity=WARNING)
    commands = meta.get("validate")
    if commands:
        parsed.add("SK108", f"{parsed.id} brings its own validate commands ({'; '.join(map(str, commands))}): "
                   "'storykit validate' and 'storykit complete' run them in a shell; review them", key="validate",
                   severity=WARNING)
    benchmarks = meta.get("benchmarks")
    if benchmarks:
        parsed.add("SK108", f"{parsed.id} brings its own benchmarks ({'; '.join(map(str, benchmarks))}): "
                   "'storykit run-tests' runs them in a shell; review them", key="benchmarks", severity=WARNING)


def _degradation_rule(parsed: _Parsed) -> None:
    """A measurement worse after than before, beyond the margin the green run recorded
    (a warning: the evidence of a done story cannot be measured again)."""
    for found in measure.degradations(parsed.meta.get("runs")):
        parsed.add("SK604", f"{found.name} got {round(-(found.change or 0))}% worse between the red and the green "
                   f"run (beyond the {found.margin:g}% margin): {measure.values(found)}", key="runs",
                   severity=WARNING)


def _region_rule(parsed: _Parsed, outline: Outline) -> None:
    """The before/after table is storykit's: what it says must be what the runs recorded."""
    from storykit.story import measurements

    if len(outline.marks) != 2:
        return  # no region, or one storykit refuses to run with: nothing to compare
    line = measurements.region_problem_in(outline.text, parsed.meta, outline.marks)
    if line is not None:
        parsed.add("SK605", "the measurements region does not say what the recorded benchmarks measured (edited by "
                   "hand?); storykit writes it from the runs: restore it from git, or run 'storykit run-tests "
                   f"{parsed.id}' to measure again", line=parsed.body_line(line))


def _path_rule(project: Project, parsed: _Parsed, known: dict[str, str | None]) -> None:
    for test in parsed.meta.get("tests") or []:
        if str(test) not in known:
            known[str(test)] = evidence.path_problem(project.root, str(test))
        problem = known[str(test)]
        if problem:
            parsed.add("SK107", f"test path '{test}' {problem}; list the story's tests as paths inside the "
                       "project (storykit reads no other file)", key="tests")


def _evidence_file_rule(parsed: _Parsed) -> tuple[int, int] | None:
    """The per-test records in the evidence file are the ones the front matter's
    digests name (the file changes apart from the story).  Returns the stamp the
    verdict holds under (``records.stamp_of`` before the file was read)."""
    meta = parsed.meta
    runs = meta.get("runs")
    if not runs or not isinstance(runs, dict):
        return (-1, -1)  # (no file read: no run has its records in one) = records.audit_stamped's
    found, stored, stamp = records.audit_stamped(parsed.path, meta)  # the file read once, for both rules
    for problem in found:
        parsed.add("SK602", problem, key="runs")
    if found or not stored:  # (a run of only the story's own tests may be left out of ``stored``)
        return stamp
    # SK506 on the tests a run ran, for records that live in the evidence file (the
    # cached rules read the story file alone, so they see only inline records)
    tests = meta.get("tests")
    # A node whose file is one of the story's test paths, already normal, is the story's
    # (audit._covered): a run of only such nodes has nothing to report.
    own = audit.own_files(tests)
    filed = {str(phase): {"tests": {node: f"{outcome} {why}" if why else outcome  # TestRecord.legacy
                                    for node, outcome, why in stored[str(phase)][1]}}
             for phase, run in runs.items()
             if isinstance(run, dict) and run.get("evidence") and "tests" not in run and str(phase) in stored
             and not all(node.partition("::")[0] in own for node, _, _ in stored[str(phase)][1])}
    if filed:
        for code, severity, message in audit.ownership_problems({"id": parsed.id, "tests": tests, "runs": filed}):
            parsed.add(code, message, key="status", severity=severity)
    return stamp


def _tests_edited_rule(parsed: _Parsed) -> None:
    runs = parsed.meta.get("runs")
    green = runs.get("green") if isinstance(runs, dict) else None
    changes = green.get("changes") if isinstance(green, dict) else None
    edited = changes.get("test_files") if isinstance(changes, dict) else None
    if not edited or not isinstance(edited, list):
        return
    listed = ", ".join(f"{t.get('path')} (+{t.get('added')} −{t.get('deleted')})" for t in edited
                       if isinstance(t, dict))
    parsed.add("SK603", f"tests edited after red: {listed}; review their diff in Step 3 of Test Results "
               "(a test weakened to pass is no evidence)", key="runs", severity=WARNING)


def _stale_rule(project: Project, parsed: _Parsed, digests: dict[Path, bytes],
                memo: dict[tuple[str, ...], str]) -> None:
    meta = parsed.meta
    status = meta.get("status")
    if status not in ("green", "validated", "done"):
        return
    runs = meta.get("runs") or {}
    green = runs.get("green") if isinstance(runs.get("green"), dict) else None
    record = runs.get("final") if status == "done" and isinstance(runs.get("final"), dict) else green
    if not record or not record.get("digest") or green is None:
        return
    files = evidence.test_files(meta, green)
    key = tuple(files)  # stories sharing test files share their digest: computed once per check
    if key not in memo:
        memo[key] = evidence.digest(project.root, files, digests)
    if memo[key] == record["digest"]:
        return
    phase = "final" if record is not green else "passing"
    todo = ("the evidence in this done story no longer matches its tests" if status == "done"
            else f"run 'storykit run-tests {parsed.id}' to record them again")
    parsed.add("SK601", f"test files ({', '.join(files) or 'none'}) changed since the {phase} run recorded at "
               f"{record.get('at')}; {todo}", key="status", severity=WARNING if status == "done" else ERROR)


def _done_body_rules(parsed: _Parsed, outline: Outline) -> None:
    results = outline.span(evidence.SECTION)  # Test Results is storykit's: its brackets are no placeholders
    end = len(outline.text)
    line, texts = outline.placeholders_in(0, results[0] if results else end)
    if results:  # and after it (a line counted only when none came before)
        after_line, after = outline.placeholders_in(results[1], end, numbered=not texts)
        line, texts = line if texts else after_line, texts + after
    if texts:
        shown = ", ".join(dict.fromkeys(texts[:5]))
        more = f" and {len(texts) - 5} more" if len(texts) > 5 else ""
        parsed.add("SK701", f"{len(texts)} template placeholder(s) left in a done story: {shown}{more}; "
                   f"fill them in or delete what does not apply", line=parsed.body_line(line or 0), severity=WARNING)
    left = []
    for name in regions.CHECKED_SECTIONS:
        span = outline.span(name)
        if span:
            left += [box for box in outline.unticked_at(*span) if regions.TAG not in box.text]
    if left:
        parsed.add("SK702", f"{len(left)} unticked item(s) in a done story, first: {left[0].text}",
                   line=parsed.body_line(left[0].line), severity=WARNING)


def _cross_rules(project: Project, stories: list[_Parsed]) -> None:
    by_id: dict[str, list[_Parsed]] = {}
    for parsed in stories:
        by_id.setdefault(parsed.id, []).append(parsed)
    for story_id, same in by_id.items():
        if len(same) > 1:
            names = ", ".join(p.rel for p in same)
            for parsed in same:
                parsed.add("SK301", f"{story_id} is the id of {len(same)} files: {names}; give all but one a new id "
                           f"(in the front matter and the file name)", key="id")
    for parsed in stories:
        for dep in parsed.meta.get("dependencies") or []:
            if dep not in by_id:
                parsed.add("SK401", f"depends on {dep}, which does not exist; fix or remove it in 'dependencies'",
                           key="dependencies")
                continue
            other = by_id[dep][0].meta
            if other.get("status") == "closed" and other.get("closed_as") in ("wont-do", "obsolete") \
                    and parsed.meta.get("status") not in ("done", "closed"):
                parsed.add("SK403", f"depends on {dep}, which is closed ({LABELS_CLOSED[other['closed_as']]}) and "
                           f"will never be done; remove the dependency or close this story too",
                           key="dependencies", severity=WARNING)
        duplicate_of = parsed.meta.get("duplicate_of")
        if parsed.meta.get("status") == "closed" and duplicate_of and duplicate_of not in by_id:
            parsed.add("SK404", f"closed as a duplicate of {duplicate_of}, which does not exist; fix "
                       f"'duplicate_of'", key="duplicate_of")
    _shared_runs(stories)
    deps, _ = graph.from_entries(stories)
    for cycle in graph.cycles(deps):
        by_id[cycle[0]][0].add("SK402", f"dependency cycle: {graph.format_cycle(cycle)}; remove one of these "
                               "dependencies", key="dependencies")


_BY_ID = attrgetter("id", "rel")


def _shared_runs(stories: list[_Parsed]) -> None:
    """A run record is one story's: the same record (time, commit, digest) in two
    stories means one copied it from the other (the first by id keeps it)."""
    owner: dict[tuple[str, str, str, str], str] = {}
    for parsed in sorted(stories, key=_BY_ID):
        runs = parsed.meta.get("runs") or {}
        story_id = parsed.id
        for phase, run in runs.items():
            if not isinstance(run, dict):
                continue
            at = run.get("at")
            if not at:
                continue
            key = (str(phase), str(at), str(run.get("commit")), str(run.get("digest")))
            first = owner.setdefault(key, story_id)
            if first != story_id:
                parsed.add("SK506", f"the {phase} run record does not belong to {parsed.id}: it is {first}'s "
                           f"(same time, commit and digest); runs are recorded only by 'storykit run-tests "
                           f"{parsed.id}': restore the story from git", key="status")


def front_lines_fast(read: frontmatter.Read) -> dict[str, int]:
    """``front_lines`` of the front block whose front matter the fast reader read, from
    the lines it split and its top-level key lines: the key lines among those, the
    commits searched in each ``runs:`` block's text only (tests/actions/test_check_front_lines.py
    proves them equal).  Every line the reader read at the top level is a key's or a
    '- ' item's, and none holds a line break but \\n; line 1 is the opening '---'."""
    lines, starts, meta = read.lines, read.starts, read.meta
    commits: dict[str, int] = {}
    names = list(meta)
    joined = "".join(names)
    if len(names) == len(starts) and joined.isascii() and ":" not in joined:
        # One line per key, and a line key_lines takes for KEY reads as KEY (ASCII: no
        # space but those the reader refuses; no key holds a colon): KEY's own line, if
        # it starts with "KEY:"; it is no other line's.
        keys: dict[str, int] = {}
        for key in _LINE_KEYS:
            at = starts[names.index(key)] if key in meta else -1
            keys[key] = at + 2 if at >= 0 and lines[at].startswith(key + ":") else 1
        if "runs" in meta:
            index = names.index("runs")
            at = starts[index]
            if lines[at].startswith("runs:"):
                _run_commits(lines, at, starts[index + 1] if index + 1 < len(starts) else len(lines), commits)
        return {**keys, **commits}
    found: dict[str, int] = {}
    for index, at in enumerate(starts):
        line = lines[at]
        first = line[:1]
        if first in _LINE_KEY_STARTS:
            name, colon, _ = line.partition(":")
            key = name.rstrip()
            if colon and key in _LINE_KEYS and key not in found:
                found[key] = at + 2
        elif first == "r" and line.startswith("runs:"):
            _run_commits(lines, at, starts[index + 1] if index + 1 < len(starts) else len(lines), commits)
    return {**{key: found.get(key, 1) for key in _LINE_KEYS}, **commits}


def _run_commits(lines: list[str], at: int, end: int, commits: dict[str, int]) -> None:
    """commit_lines of the ``runs:`` line ``lines[at]`` and the lines up to ``end`` (the
    next top-level key), found by one pattern in their text: a line '- ' at the top
    level ends the block as any unindented line does."""
    text = "\n" + "\n".join(lines[at + 1:end])
    cut = text.find("\n-")
    if cut >= 0:
        text = text[:cut]
    phase = None
    number, last = at + 2, 0  # the runs: line's number in the front block; its newline
    for line in _PHASE_OR_COMMIT.finditer(text):
        named = line.group(1)
        if named is None:
            if phase:
                number += text.count("\n", last, line.start() + 1)
                last = line.start() + 1
                commits[f"runs.{phase}.commit"] = number
        elif named.rstrip().endswith(":"):
            phase = named.strip()[:-1]


def commit_lines(front: list[str]) -> dict[str, int]:
    """'runs.PHASE.commit' -> the line of each run record's commit, as storykit writes
    them (``runs:``, two spaces and the phase, four spaces and ``commit:``)."""
    found: dict[str, int] = {}
    phase = None
    inside = False
    for number, line in enumerate(front, start=1):  # front[0] is the opening ---
        if not line.startswith(" "):
            inside, phase = line.startswith("runs:"), None
        elif inside and line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            phase = line.strip()[:-1]
        elif inside and phase and line.startswith("    commit:"):
            found[f"runs.{phase}.commit"] = number
    return found


SHALLOW = ("this is a shallow clone; fetch the whole history (actions/checkout: fetch-depth: 0) to check them")


def _history_asked(project: Project, mode: str) -> contextlib.AbstractContextManager[git.History | None]:
    """git's answers for ``_history_rule``, asked before the stories are read, so git works
    while they are: HEAD always, and HEAD's whole history when no answer is kept for any
    HEAD (a fresh clone: every CI job).  Nothing when the rule is off."""
    from storykit import git
    from storykit.project.cache import ResultCache

    if mode == "off":
        return contextlib.nullcontext()
    kept = ResultCache(project.config.state_path, _HISTORY, {}, "")
    return git.History(project.root, walk=not (kept.enabled and kept.path.exists()))


def _history_rule(project: Project, stories: list[_Parsed], mode: str, given: bool, notes: list[str],
                  history: git.History | None) -> None:
    """Every run record names the commit HEAD was at when it ran (``run-tests
    --commit`` too: the commit it made is a child of that one): that commit must be in
    HEAD's history, or the record was made up (SK508).

    One ``git rev-parse`` and at most one ``git rev-list`` for all the stories, cached
    per HEAD in .storykit/cache; plumbing only, safe on an untrusted checkout.  What
    git cannot tell (a shallow clone, no repository) is one note, never a finding."""
    wanted = [(parsed, str(phase), str(run["commit"])) for parsed in stories
              for phase, run in (parsed.meta.get("runs") or {}).items()
              if isinstance(run, dict) and run.get("commit") not in (None, "")]
    if not wanted:
        return
    unchecked = "run records' commits were not checked against the history"
    if mode == "off":
        source = "--run-commits off" if given else \
            f'run_commits = "off" in {project.config.source.name if project.config.source else "the config"}'
        notes.append(f"{unchecked} ({source})")
        return
    from storykit.errors import GitError

    assert history is not None  # asked unless the rule is off
    state = history.head_state()
    if isinstance(state, str):
        notes.append(f"{unchecked}: {state}")
        return
    if state.shallow:
        notes.append(f"{unchecked}: {SHALLOW}")
        return
    try:
        known = _in_history(project, state.head, {commit for _, _, commit in wanted}, history) if state.head else set()
    except GitError as exc:
        notes.append(f"{unchecked}: {exc}")
        return
    for parsed, phase, commit in wanted:
        if commit in known:
            continue
        shown = commit if len(commit) <= 64 else commit[:61] + "..."
        parsed.add("SK508", f"the {phase} run record's commit {shown} is not in the history of HEAD (made up, or "
                   "rewritten by a rebase or squash merge); restore the story from git, or set run_commits = "
                   "\"warn\" if your merges rewrite commits",
                   line=parsed.lines.get(f"runs.{phase}.commit") or parsed.key_line("status"),
                   severity=ERROR if mode == "strict" else WARNING)


_HISTORY = "check-history"  # the result cache of _in_history


def _in_history(project: Project, head: str, commits: set[str], history: git.History) -> set[str]:
    """Those of ``commits`` in the history of ``head``, as ``history`` asked git: the
    answers are kept per HEAD (a commit's history never changes), so git walks it once
    per new HEAD."""
    from storykit.project.cache import ResultCache

    kept = ResultCache(project.config.state_path, _HISTORY, {}, head)
    answers = kept.get()
    answers = answers if isinstance(answers, dict) else {}
    missing = commits - answers.keys()
    if missing:
        found = history.in_history(missing)
        answers.update({commit: commit in found for commit in missing})
        kept.put(answers)
    return {commit for commit in commits if answers.get(commit) is True}


def _tracker_rule(project: Project, stories: list[Entry], stamps: dict[str, tuple[int, int]]) -> list[Finding]:
    """SK801 when the tracker is not what 'storykit tracker' would write from ``stories``
    (every story file, read under ``stamps``)."""
    from storykit.project import tracker

    config = project.config
    rel = project.rel(config.tracker_path)
    # The record of the tracker's last write (tracker.json) proves it current when it was
    # rendered from these very files under these stamps: nothing to render.
    known = tracker.prove(project)
    if known is not None and known.stamps == stamps:
        return []
    entries = project.sort_entries(stories)
    wanted = tracker.render(project, entries)
    try:
        actual = config.tracker_path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return [Finding(rel, 1, "SK801", ERROR, f"{rel} does not exist; run 'storykit tracker' and commit it")]
    if actual == wanted:
        return []
    actual_lines, wanted_lines = actual.splitlines(), wanted.splitlines()
    # strict=False: the two may differ in length; past the shorter one, the default names the first extra line.
    pairs = zip(actual_lines, wanted_lines, strict=False)
    line = next((i + 1 for i, (a, b) in enumerate(pairs) if a != b), min(len(actual_lines), len(wanted_lines)) + 1)
    return [Finding(rel, line, "SK801", ERROR, f"{rel} is not what 'storykit tracker' would write (first difference "
                    f"at line {line}); run 'storykit tracker' and commit it")]
