"""``--json``: one JSON document on stdout for agents and scripts.

Every document is an object that starts with ``version`` (``VERSION``; raised only
when a field changes meaning or disappears; new fields may be added within a
version), ``kind`` (what it describes: the command's name, or ``"error"``) and
``ok``.  Field names are stable and documented in docs/json.md.  A command that
prints JSON prints nothing else on stdout: test output and human messages go to
stderr.  A command calls ``enable(name)`` first thing: from then on ``sys.stdout``
is stderr (so every human message, and the live test output that is echoed to
``sys.stdout.buffer``, lands there) and only ``emit`` writes to the real stdout; the
CLI's error boundary turns a refusal or an error into an ``"error"`` document.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from storykit.core.settings import resolve

if TYPE_CHECKING:
    from storykit.errors import Refused
    from storykit.project.store import Project
    from storykit.runners.result import RunResult

VERSION = 2  # 2: every refusal is an "error" document (run-tests' refused document is gone)
_command: str | None = None
_stdout: TextIO | None = None  # the real stdout while a command answers in JSON
_redirect: TextIO | None = None  # what sys.stdout was set to meanwhile


def enable(command: str) -> None:
    """This invocation of ``command`` answers in JSON (also when it fails): keep the
    real stdout for the document and send everything else printed to stderr."""
    global _command, _stdout, _redirect
    _command = command
    if _stdout is None:
        _stdout, _redirect = sys.stdout, sys.stderr
        sys.stdout = sys.stderr


def reset() -> None:
    """Back to plain output (the CLI calls it at the start of each invocation)."""
    global _command, _stdout, _redirect
    # Restore only our own redirect: an embedding caller (click's CliRunner) may have
    # put its own stdout back already.
    if _stdout is not None and _redirect is not None and sys.stdout is _redirect:  # enable() sets both
        sys.stdout.flush()
        sys.stdout = _stdout
    _command = _stdout = _redirect = None


def active() -> str | None:
    """The command that promised JSON in this invocation, or None."""
    return _command


def document(kind: str, data: dict[str, Any], *, ok: bool = True) -> dict[str, Any]:
    """The envelope (``version``, ``kind``, ``ok``) followed by ``data``'s fields."""
    return {"version": VERSION, "kind": kind, "ok": ok, **data}


def emit(kind: str, data: dict[str, Any], *, ok: bool = True) -> None:
    """Print one document (indented, UTF-8, keys in the order given) on stdout."""
    import json

    write(json.dumps(document(kind, data, ok=ok), ensure_ascii=False, indent=2))


def write(text: str) -> None:
    """Print one document already encoded as ``emit`` encodes it."""
    sys.stdout.flush()  # what went to stderr so far comes first
    stream = _stdout or sys.stdout
    stream.write(text + "\n")
    stream.flush()


def emit_error(exit_code: int, category: str, reason: str, hint: str | None, refused: Refused | None = None) -> None:
    """The document for a command that failed after promising JSON (the boundary
    calls it); a refusal names its story and carries the run it refused, if any."""
    emit("error", {"command": _command, "exit_code": exit_code, "error": category, "reason": reason, "hint": hint,
                   "id": refused.story if refused else None, "log": refused.log if refused else None,
                   "run": run_fields(refused.run) if refused and refused.run is not None else None}, ok=False)


def story_fields(project: Project, path: Path, meta: dict[str, Any],
                 blocks: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A story as listed: the same fields wherever a story appears (list, show, next).
    Pass ``project.blocks_map()`` when listing many stories."""
    story_id = str(meta["id"])
    return {
        "id": story_id,
        "title": meta.get("title"),
        "status": meta.get("status"),
        "path": project.rel(path),
        "template": meta.get("template"),
        "track": meta.get("track"),
        "agent": meta.get("agent"),
        "estimate": meta.get("estimate"),
        "actual": meta.get("actual"),
        "dependencies": list(meta.get("dependencies") or []),
        "blocks": blocks.get(story_id, []) if blocks is not None else project.blocks(story_id),
        "tests": list(meta.get("tests") or []),
        "min_tests": resolve(meta, project.config).min_tests,
        "created": meta.get("created"),
        "started": meta.get("started"),
        "completed": meta.get("completed"),
        "priority": meta.get("priority"),
        "labels": list(meta.get("labels") or []),
        "closed_as": meta.get("closed_as"),
        "closed_reason": meta.get("closed_reason"),
        "duplicate_of": meta.get("duplicate_of"),
        "claimed_by": meta.get("claimed_by"),
        "claimed_at": meta.get("claimed_at"),
    }


def unreadable(project: Project) -> list[dict[str, Any]]:
    """The story files a listing could not read (``project.broken``), each where it is
    and what is wrong: a listing names them instead of leaving them out silently."""
    import re

    found = []
    for broken in project.broken:
        rel = project.rel(broken.path)
        line, error = None, broken.message
        located = re.match(rf"{re.escape(rel)}(?::(\d+))?: (.*)\Z", broken.message, re.S)
        if located:
            line, error = int(located.group(1)) if located.group(1) else None, located.group(2)
        found.append({"id": project.file_id(broken.path.name), "path": rel, "line": line, "error": error})
    return found


def run_fields(result: RunResult) -> dict[str, Any]:
    """One test run as it happened (accepted or refused)."""
    return {
        "exit_code": result.exit_code,
        "duration": round(result.duration, 2),
        "timed_out": result.timed_out,
        "counts": result.counts(),
        "total": len(result.tests),
        "passed": result.passed,
        "failed": result.failed,
        "tests": [{"id": node, "outcome": outcome, "detail": detail}
                  for node, (outcome, detail) in sorted(result.tests.items())],
        "collect_errors": list(result.collect_errors),
    }


def recorded_run(run: dict[str, Any]) -> dict[str, Any]:
    """A run as recorded in the story's front matter (``runs.red`` etc.)."""
    fields = {key: run.get(key) for key in ("at", "commit", "command", "exit_code", "duration", "counts",
                                            "total", "log")}
    if run.get("benchmarks"):  # measured with this run (docs/benchmarks.md)
        fields["benchmarks"] = run["benchmarks"]
    return fields
