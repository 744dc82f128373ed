"""The Test Results section, rendered from a story's recorded runs.

Run summaries live in the front matter (``runs.red``, ``runs.green``, ...), their
per-test records in the story's evidence file (``storykit.story.records``).  The test
output itself lives only in the section, in fenced blocks tagged ``text red`` /
``text green`` / ``text validate`` (and the diff of tests edited after red, ``diff
red-green``); re-rendering keeps the blocks of runs that did not change, so moving to
green leaves the red evidence byte for byte.
"""

from __future__ import annotations

import hashlib
import html
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit.story.markdown import Document, code_span, fence
from storykit.core.workflow import percent
from storykit.story.records import RunRecord

if TYPE_CHECKING:
    from storykit.runners.result import RunResult

SECTION = "Test Results"
OUTPUT_PHASES = ("red", "green", "validate")
TESTS_DIFF = "red-green"  # the diff of the story's test files edited between red and green
_WHY_ROWS = 15
_LISTED_INLINE = 10  # passing tests named on one line; more go in a <details> block
_LISTED = 100  # at most this many named in the story; all are in the evidence file
PROJECT_TOKEN = "<project>"
JUNIT_TOKEN = "{junit}"


def now() -> str:
    """The current time as stored in run records: UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def today() -> str:
    """Today's date as written in a story (``created``, ``Last Updated``): the local
    date, as the person at the keyboard reads it.  storykit's one other clock is ``now``."""
    return date.today().isoformat()


def shown_time(stamp: str | None) -> str:
    return stamp.replace("T", " ").replace("Z", " UTC") if stamp else "?"


def test_files(meta: dict[str, Any], run: dict[str, Any] | None = None) -> list[str]:
    """The paths a run's digest covers: the story's ``tests`` (node ids reduced to
    their file); for a story whose tests are selected by marker, the files of the
    run's node ids."""
    run = run or {}
    paths = list(meta.get("tests") or []) or list(run.get("files") or []) or list(run.get("tests") or {})
    return sorted({str(p).split("::", 1)[0] for p in paths})


def folder_files(root: Path, folder: str) -> list[str]:
    """The files a folder in a story's ``tests`` stands for, relative to ``root``:
    every file git tracks or would track under it (untracked but not ignored),
    whatever the language; outside git, every file under it.  Bytecode caches never
    count: a test run writes them, even where no .gitignore names them."""
    from storykit import git

    listed = git.listed_files(root, folder)
    if listed is None:
        target = root / folder
        listed = [p.relative_to(root).as_posix() for p in target.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(target).parts[:-1])]
    return sorted(p for p in listed if "__pycache__" not in p.split("/") and not p.endswith((".pyc", ".pyo")))


def digest(root: Path, paths: list[str], cache: dict[Path, bytes] | None = None) -> str:
    """sha256 over the story's test files: each file's path and the sha256 of its
    bytes (a folder stands for its ``folder_files``; a missing file hashes as
    missing).  ``cache`` keeps each file's hash when many stories share files."""
    hasher = hashlib.sha256()
    top = root.resolve()
    for rel in sorted({p.split("::", 1)[0] for p in paths}):
        target = root / rel
        if not _inside(target, top):  # never read outside the project (a device, ../../etc)
            hasher.update(rel.encode("utf-8", "surrogateescape") + b"\0<outside the project>\0")
            continue
        files = [root / f for f in folder_files(root, rel)] if target.is_dir() else [target]
        for file in files:
            hasher.update(file.relative_to(root).as_posix().encode("utf-8", "surrogateescape") + b"\0")
            hasher.update(_file_hash(file, cache, top) + b"\0")
    return "sha256:" + hasher.hexdigest()


def _inside(path: Path, top: Path) -> bool:
    """True when ``path``, symlinks resolved, is ``top`` or below it."""
    try:
        return path.resolve().is_relative_to(top)
    except (OSError, RuntimeError):  # a symlink loop
        return False


def path_problem(root: Path, rel: str) -> str | None:
    """Why a story's test path cannot be one (None when it can): outside the project,
    or neither a regular file nor a folder.  A missing path is no problem here."""
    import stat

    target = root / rel.split("::", 1)[0]
    if not _inside(target, root.resolve()):
        return "is outside the project"
    try:
        mode = target.stat().st_mode
    except OSError:
        return None
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else "is not a regular file or folder in the project"


def _file_hash(file: Path, cache: dict[Path, bytes] | None, top: Path) -> bytes:
    import stat

    if cache is not None and file in cache:
        return cache[file]
    try:
        if not _inside(file, top):
            value = b"<outside the project>"
        elif not stat.S_ISREG(file.stat().st_mode):  # a FIFO or a device would block or never end
            value = b"<not a regular file>"
        else:
            value = hashlib.sha256(file.read_bytes()).digest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        value = b"<missing>"
    if cache is not None:
        cache[file] = value
    return value


def record(result: RunResult, *, commit: str | None, tree: str | None, digest_value: str | None,
           log: str | None, command: str) -> dict[str, Any]:
    """The front-matter record of one run."""
    return {
        "at": now(),
        "commit": commit,
        "tree": tree,
        "command": command,
        "exit_code": result.exit_code,
        "duration": round(result.duration, 2),
        "counts": result.counts(),
        "total": len(result.tests),
        "digest": digest_value,
        "log": log,
        # In the order the tests ran (the plugin's report and JUnit XML keep it); the
        # front matter holds only their digest, the records go to the evidence file.
        "tests": {node: outcome if not exc else f"{outcome} {exc}" for node, (outcome, exc) in result.tests.items()},
    }


def output_key(info: str) -> str | None:
    """The phase of a fenced block storykit wrote (``text red``, ``diff red-green``), or None."""
    words = info.split()
    if len(words) == 2 and words[0] == "text" and words[1] in OUTPUT_PHASES:
        return words[1]
    if words == ["diff", TESTS_DIFF]:
        return TESTS_DIFF
    return None


def generated_files(paths: list[str], globs: tuple[str, ...] | list[str], marked: list[str]) -> list[str]:
    """Those of ``paths`` that are generated: marked ``linguist-generated`` in
    .gitattributes, or matching one of the config's ``generated`` globs (``*`` crosses
    folders, so ``convex/_generated/**`` is everything under it; a glob without a
    ``/`` matches a file name anywhere)."""
    import fnmatch

    def matches(path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        return any(fnmatch.fnmatchcase(path if "/" in g else name, g) for g in globs)

    chosen = set(marked)
    return [p for p in paths if p in chosen or matches(p)]


def outputs_in(section_text: str) -> dict[str, str]:
    """The recorded outputs already in a Test Results section, by phase."""
    found: dict[str, str] = {}
    for info, content, _, _ in Document(section_text).fences:
        key = output_key(info)
        if key is not None:
            found[key] = content
    return found


def _cell(text: str) -> str:
    """Text for a GFM table cell: on one line, HTML shown as text, pipes escaped."""
    return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _code_cell(text: str) -> str:
    # GFM splits cells on a pipe even inside a code span, unless it is escaped.
    return code_span(text).replace("|", "\\|")


def _counts_line(run: dict[str, Any]) -> str:
    counts = run.get("counts") or {}
    parts = [f"{n} {outcome}" for outcome, n in sorted(counts.items(), key=lambda kv: _ORDER.get(kv[0], 9))]
    return ", ".join(parts + [f"{run.get('total', 0)} total"])


_ORDER = {"passed": 0, "failed": 1, "error": 2, "skipped": 3, "xfailed": 4, "xpassed": 5}


def _run_lines(run: dict[str, Any]) -> list[str]:
    commit = run.get("commit")
    where = f" at commit `{commit[:10]}`" if commit else " (no git commit)"
    return [
        f"- Run: {shown_time(run.get('at'))}{where}, exit code {run.get('exit_code')}, {run.get('duration', 0):g} s",
        f"- Command: {code_span(str(run.get('command', '')))}",
        f"- Result: {_counts_line(run)}",
    ]


def _output_block(phase: str, outputs: dict[str, str], run: dict[str, Any]) -> list[str]:
    text = outputs.get(phase)
    if text is None:
        log = run.get("log")
        text = f"(output not kept in the story{'; full log: ' + log if log else ''})\n"
    return ["", fence(text, f"text {phase}").rstrip("\n")]


def _why_table(run: dict[str, Any]) -> list[str]:
    failing = RunRecord.from_dict(run).not_passed()  # in the order the tests ran
    if not failing:
        return []
    rows = ["", "| Test | Outcome | Why |", "| --- | --- | --- |"]
    for test in failing[:_WHY_ROWS]:
        rows.append(f"| {_code_cell(test.node)} | {_cell(test.outcome)} | {_cell(test.why or '')} |")
    if len(failing) > _WHY_ROWS:
        rows.append(f"| … and {len(failing) - _WHY_ROWS} more | | |")
    return rows


def _passed_list(run: dict[str, Any], evidence_file: str | None) -> list[str]:
    """The tests that passed, named: on one line when few, else in a <details> block
    (GitHub renders it collapsed), at most ``_LISTED`` of them."""
    passed = RunRecord.from_dict(run).passed()
    if not passed:
        return []
    if len(passed) <= _LISTED_INLINE:
        return ["", "- Passed: " + ", ".join(code_span(n) for n in passed)]
    # A blank line after <summary> and before </details>: the list between is Markdown.
    out = ["", f"<details><summary>{len(passed)} tests passed</summary>", ""]
    out += [f"- {code_span(n)}" for n in passed[:_LISTED]]
    if len(passed) > _LISTED:
        where = code_span(evidence_file) if evidence_file else "the story's evidence file"
        out.append(f"- … and {len(passed) - _LISTED} more: every test's outcome is in {where}")
    return out + ["", "</details>"]


def _tests_edited(changes: dict[str, Any], outputs: dict[str, str]) -> list[str]:
    edited = changes.get("test_files") or []
    if not edited:
        return []
    diff = outputs.get(TESTS_DIFF)
    listed = ", ".join(f"{code_span(t['path'])} (+{t['added']} −{t['deleted']})" for t in edited)
    out = [f"- ⚠️ Tests edited after red: {listed}{'; the diff:' if diff else ''}"]
    if diff:
        out += ["", fence(diff, f"diff {TESTS_DIFF}").rstrip("\n")]
    return out


def _paths_note(outputs: dict[str, str]) -> list[str]:
    meaning = {PROJECT_TOKEN: "the project root", "<venv>": "the Python environment the tests ran in",
               JUNIT_TOKEN: "the JUnit XML file storykit read"}
    said = [f"`{t}` is {meaning[t]}" for t in meaning if any(t in text for text in outputs.values())]
    if not said:
        return []
    return [f"_In the output below, {' and '.join(said)}: the same runs give the same evidence on every "
            "machine._", ""]


def render(meta: dict[str, Any], outputs: dict[str, str], *, evidence_file: str | None = None,
           measurements: bool = True) -> str:
    """The body of the Test Results section (the lines after its heading);
    ``evidence_file`` names the file holding every per-test record; ``measurements``:
    show the recorded benchmarks here (the story has no region of its own for them)."""
    runs = meta.get("runs") or {}
    red, green, final, validation = runs.get("red"), runs.get("green"), runs.get("final"), runs.get("validate")
    tests = meta.get("tests") or []
    test_files = ", ".join(code_span(t) for t in tests) or "tests marked `@pytest.mark.story`"
    out = ["### TDD Cycle Evidence", "", "_Written by storykit from the recorded test runs; do not edit by hand._", ""]
    out += _paths_note(outputs)

    out += ["**Step 1: Tests Written First** ✅"]
    if red:
        out += [f"- Date/Time: {shown_time(red.get('at'))}", f"- Test files: {test_files}",
                f"- Number of tests: {red.get('total', 0)} tests"]
    else:
        out += ["- Date/Time: pending (recorded at the first failing `storykit run-tests`)",
                f"- Test files: {test_files}", "- Number of tests: pending"]

    out += ["", "**Step 2: Tests Run (Pre-Implementation)** ❌"]
    if red:
        out += _run_lines(red) + _why_table(red) + _output_block("red", outputs, red)
    else:
        out += [f"- Pending: `storykit run-tests {meta.get('id', '')}` runs the tests "
                "and records the failing output here."]

    out += ["", "**Step 3: Implementation Written** ✅"]
    changes = (green or {}).get("changes")
    if green and changes is not None:
        files = changes.get("files") or []
        out += [f"- Files modified: {', '.join(code_span(f) for f in files) if files else 'none'}",
                f"- Lines changed: ~{changes.get('added', 0) + changes.get('deleted', 0)} lines "
                f"(+{changes.get('added', 0)} −{changes.get('deleted', 0)})"]
        generated = changes.get("generated") or []
        if generated:
            shown = ", ".join(code_span(g) for g in generated[:5]) + (", …" if len(generated) > 5 else "")
            out += [f"- Generated files left out: {len(generated)} ({shown})"]
        out += _tests_edited(changes, outputs)
    elif green:
        out += ["- Files modified: not recorded (no git history to compare the red and green runs)"]
    else:
        out += ["- Pending: recorded from git when the tests pass."]

    out += ["", "**Step 4: Tests Re-run (Post-Implementation)** ✅"]
    if green:
        passed = (green.get("counts") or {}).get("passed", 0)
        total = green.get("total", 0)
        out += _run_lines(green) + _passed_list(green, evidence_file) + _output_block("green", outputs, green)
        out += ["", f"- Tests: {passed} passed, {total} total", f"- Pass Rate: {percent(passed, total)} ✅"]
        if final:
            fp = (final.get("counts") or {}).get("passed", 0)
            commit = f" at commit `{final['commit'][:10]}`" if final.get("commit") else ""
            out += [f"- Re-run at completion: {shown_time(final.get('at'))}{commit}: "
                    f"{fp} passed, {final.get('total', 0)} total"]
        out += suite_lines(final)
    else:
        out += ["- Pending: `storykit run-tests` records the passing output here after the implementation."]

    if validation:
        commit = validation.get("commit")
        where = f" at commit `{commit[:10]}`" if commit else " (no git commit)"
        out += ["", "**Validation** ✅", f"- Run: {shown_time(validation.get('at'))}{where}"]
        for item in validation.get("commands", []):
            duration = f" ({item['duration']:g} s)" if isinstance(item.get("duration"), (int, float)) else ""
            out.append(f"- {code_span(str(item['command']))}: exit code {item['exit_code']}{duration}")
        out += _output_block("validate", outputs, validation)

    if measurements:
        from storykit.story.measurements import results_part

        out += results_part(meta)

    overrides = [str(o).split(": ", 1) for o in meta.get("overrides") or []]
    if overrides:
        out += [""] + [f"- ⚠️ Override: {o[-1]} ({shown_time(o[0]) if len(o) == 2 else 'time not recorded'})"
                       for o in overrides]

    out += ["", f"**STATUS**: {_status_text(meta.get('status', 'not-started'), red, green)}", "", "---", ""]
    return "\n".join(out) + "\n"


def suite_lines(final: dict[str, Any] | None) -> list[str]:
    """Step 4's line on the whole suite run at completion (``runs.final.suite``)."""
    suite = (final or {}).get("suite")
    if not isinstance(suite, dict):
        return []
    if suite.get("skipped"):
        return [f"- Whole suite at completion: not run ({suite['skipped']})"]
    counts = suite.get("counts") or {}
    shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items(), key=lambda kv: _ORDER.get(kv[0], 9)))
    red = suite.get("red_stories")
    expected = f"; the failures are the tests of {', '.join(red)}, red" if red else ""
    command = code_span(str(suite.get("command", "")))
    return [f"- Whole suite at completion: {shown or 'no tests'} ({command}){expected}"]


def _status_text(status: str, red: dict[str, Any] | None, green: dict[str, Any] | None) -> str:
    if status in ("green", "validated", "done") and green:
        return "✅ 100% pass rate"
    if status == "red" and red:
        counts = red.get("counts") or {}
        return (f"❌ <100% ({counts.get('passed', 0)} of {red.get('total', 0)} passed) - "
                f"IMPLEMENTATION PENDING")
    return "⏳ No test run recorded yet"
