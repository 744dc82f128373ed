"""The deterministic TDD guard: may this file be edited now?

Two rules, no judgement calls:

1. **What storykit owns is never edited by hand**, at any stage: a story's front
   matter ``status``, ``runs``, ``overrides``, ``started``, ``completed``, claims
   (``claimed_by``, ``claimed_at``), its ``**Status:**`` line and its Test Results
   section, and the tracker.  The edit is simulated on the file's current text and
   those regions compared before and after, so ticking a box or rewriting the
   Context of a story is fine and touching its evidence is not.
2. **No implementation before a failing test**: while the active story has no red
   run, only its tests and files that cannot be implementation may be edited —
   story files, documentation (``*.md``, ``*.rst``, ``*.txt``, ``*.adoc``), any
   ``conftest.py``, and the configuration files in ``SAFE_CONFIG``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

OWNED_KEYS = ("status", "runs", "overrides", "started", "completed", "claimed_by", "claimed_at")
DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc")
SAFE_CONFIG = frozenset({
    "pyproject.toml", "setup.cfg", "tox.ini", "pytest.ini", ".coveragerc", "storykit.toml",
    ".gitignore", ".gitattributes", ".editorconfig", ".pre-commit-config.yaml",
})
_UNREADABLE = "<unreadable>"


def owned(text: str | None, path: Path) -> dict[str, Any]:
    """The storykit-owned regions of a story's text (None: the file does not exist)."""
    from storykit.errors import StorykitError
    from storykit.story.model import parse_raw
    from storykit.story.outline import Outline

    if text is None:
        return {}
    text = text.replace("\r\n", "\n")
    try:
        meta, _, body = parse_raw(text, path)
        regions: dict[str, Any] = {key: meta.get(key) for key in OWNED_KEYS}
    except StorykitError:
        regions, body = {"front matter": _UNREADABLE}, text
    outline = Outline(body)
    span = outline.section("Test Results")
    regions["Test Results"] = "".join(outline.lines[span[0] - 1:span[1]]) if span else None
    line = outline.field_line("Status")
    regions["Status line"] = outline.lines[line].rstrip("\n") if line is not None else None
    return regions


def owned_change(story_id: str, before: str | None, after: str | None, path: Path) -> str | None:
    """Why the edit from ``before`` to ``after`` may not be made, or None."""
    old, new = owned(before, path), owned(after, path)
    changed = [key for key in (*OWNED_KEYS, "Status line", "Test Results", "front matter")
               if old.get(key) != new.get(key)]
    if not changed:
        return None
    if before is None:
        return "a story file is made by 'storykit new', not by hand (it writes the status and the Test Results)"
    if "front matter" in changed:
        return f"the edit breaks {story_id}'s front matter, which storykit reads: keep it valid YAML"
    if any(key in changed for key in ("claimed_by", "claimed_at")):
        return (f"{story_id}'s claim is storykit's: 'storykit start {story_id}' takes it and "
                f"'storykit release {story_id}' gives it back")
    what = {"status": "status", "Status line": "**Status:** line", "runs": "recorded runs",
            "Test Results": "Test Results section", "overrides": "recorded overrides",
            "started": "start time", "completed": "completion time"}
    names = " and ".join(dict.fromkeys(what[key] for key in changed))
    if set(changed) <= {"status", "Status line", "completed"}:
        command = f"'storykit run-tests {story_id}' and 'storykit complete {story_id}' move it"
    else:
        command = f"'storykit run-tests {story_id}' writes it from a real test run"
    return f"{story_id}'s {names} is written by storykit, never by hand: {command}"


def before_red(meta: dict[str, Any]) -> bool:
    """True while the story has no failing run recorded (the guard's strict phase)."""
    runs = meta.get("runs")
    return meta.get("status") == "not-started" and not (isinstance(runs, dict) and runs.get("red"))


def safe_before_red(rel: str, meta: dict[str, Any], stories_dir: str) -> bool:
    """Files that may be edited before the story's tests fail: its tests, stories,
    documentation, conftest.py and the configuration files of SAFE_CONFIG."""
    path = PurePosixPath(rel)
    if path.name in SAFE_CONFIG or path.name == "conftest.py" or path.suffix.lower() in DOC_SUFFIXES:
        return True
    if path.parent == PurePosixPath(stories_dir):
        return True
    tests = [str(t).split("::", 1)[0].strip("/") for t in meta.get("tests") or []]
    if tests:
        return any(rel == t or rel.startswith(t.rstrip("/") + "/") for t in tests)
    # Tests selected by @pytest.mark.story: any test file may hold them.
    return path.name.startswith("test_") or path.stem.endswith("_test") or "tests" in path.parts[:-1]


def tdd_reason(story_id: str, meta: dict[str, Any], rel: str) -> str:
    tests = ", ".join(str(t) for t in meta.get("tests") or []) or f"marked @pytest.mark.story(\"{story_id}\")"
    return (f"{story_id} has no failing test yet: write its tests ({tests}) and run "
            f"'storykit run-tests {story_id}' before editing {rel}")
