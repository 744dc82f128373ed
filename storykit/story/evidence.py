"""The Test Results section, rendered from a story's recorded runs.

Run records live in the front matter (``runs.red``, ``runs.green``, ...).  The test
output itself lives only in the section, in fenced blocks tagged ``text red`` /
``text green`` / ``text validate``; re-rendering keeps the blocks of runs that did
not change, so moving to green leaves the red evidence byte for byte.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit.story.markdown import Document, code_span, fence
from storykit.core.workflow import percent

if TYPE_CHECKING:
    from storykit.runners.result import RunResult

SECTION = "Test Results"
OUTPUT_PHASES = ("red", "green", "validate")
_WHY_ROWS = 15


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
    paths = list(meta.get("tests") or []) or list((run or {}).get("tests") or {})
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
        "tests": {node: outcome if not exc else f"{outcome} {exc}"
                  for node, (outcome, exc) in sorted(result.tests.items())},
    }


def outputs_in(section_text: str) -> dict[str, str]:
    """The recorded outputs already in a Test Results section, by phase."""
    found: dict[str, str] = {}
    for info, content, _, _ in Document(section_text).fences:
        words = info.split()
        if len(words) == 2 and words[0] == "text" and words[1] in OUTPUT_PHASES:
            found[words[1]] = content
    return found


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
    failing = [(node, str(value).split(" ", 1)) for node, value in (run.get("tests") or {}).items()
               if not str(value).startswith("passed")]
    if not failing:
        return []
    rows = ["", "| Test | Outcome | Why |", "| --- | --- | --- |"]
    for node, parts in failing[:_WHY_ROWS]:
        why = " ".join((parts[1] if len(parts) > 1 else "").split()).replace("|", "/")
        rows.append(f"| {code_span(node.replace('|', '/'))} | {parts[0]} | {why} |")
    if len(failing) > _WHY_ROWS:
        rows.append(f"| … and {len(failing) - _WHY_ROWS} more | | |")
    return rows


def render(meta: dict[str, Any], outputs: dict[str, str]) -> str:
    """The body of the Test Results section (the lines after its heading)."""
    runs = meta.get("runs") or {}
    red, green, final, validation = runs.get("red"), runs.get("green"), runs.get("final"), runs.get("validate")
    tests = meta.get("tests") or []
    test_files = ", ".join(code_span(t) for t in tests) or "tests marked `@pytest.mark.story`"
    out = ["### TDD Cycle Evidence", "", "_Written by storykit from the recorded test runs; do not edit by hand._", ""]

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
        edited = changes.get("test_files") or []
        if edited:
            out += ["- ⚠️ Test files edited between red and green: "
                    + ", ".join(f"{code_span(t['path'])} (+{t['added']} −{t['deleted']})" for t in edited)]
    elif green:
        out += ["- Files modified: not recorded (no git history to compare the red and green runs)"]
    else:
        out += ["- Pending: recorded from git when the tests pass."]

    out += ["", "**Step 4: Tests Re-run (Post-Implementation)** ✅"]
    if green:
        passed = (green.get("counts") or {}).get("passed", 0)
        total = green.get("total", 0)
        out += _run_lines(green) + _output_block("green", outputs, green)
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
