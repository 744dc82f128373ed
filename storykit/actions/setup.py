"""``storykit setup TOOL``: storykit's hooks and instructions in an agent tool's project config.

Each tool's settings file is parsed (JSON), storykit's hook entries are added only
where no entry already runs the same ``storykit hook`` command, and every other key
and entry is kept as it was (its order too; the file is re-indented as it was
indented).  Running it again changes nothing.  A settings file that does not parse
is refused, never overwritten.  Formats, from each tool's documentation:

- Claude Code, ``.claude/settings.json``: https://code.claude.com/docs/en/hooks
- Codex CLI, ``.codex/hooks.json``: https://developers.openai.com/codex/hooks
- Cursor, ``.cursor/hooks.json`` and ``.cursor/rules/*.mdc``: https://cursor.com/docs/hooks,
  https://cursor.com/docs/context/rules
- Gemini CLI, ``.gemini/settings.json``:
  https://github.com/google-gemini/gemini-cli/blob/main/docs/hooks/reference.md
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit.actions import agents
from storykit.errors import StorykitError

if TYPE_CHECKING:
    from storykit.project.config import Config

TOOLS = ("claude", "codex", "cursor", "gemini")
NAMES = {"claude": "Claude Code", "codex": "Codex CLI", "cursor": "Cursor", "gemini": "Gemini CLI"}
EDIT_TOOLS = "Write|Edit|MultiEdit|NotebookEdit"
TIMEOUT = 30  # seconds; the hook answers in milliseconds


@dataclass
class Change:
    """One file setup writes: its text before (None: new) and after."""

    path: Path
    rel: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        import difflib

        old = (self.before or "").splitlines(keepends=True)
        new = self.after.splitlines(keepends=True)
        lines = difflib.unified_diff(old, new, "/dev/null" if self.before is None else f"a/{self.rel}",
                                     f"b/{self.rel}")
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def command(tool: str, event: str) -> str:
    return f"storykit hook {tool} {event}"


def _hooks_wanted(tool: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(event key, matcher, hook entry) storykit needs in the tool's config."""
    if tool == "gemini":
        def named(event: str) -> dict[str, Any]:
            return {"name": f"storykit-{event}", "type": "command", "command": command(tool, event),
                    "timeout": TIMEOUT * 1000}  # Gemini CLI counts milliseconds
        return [("SessionStart", None, named("session-start")),
                ("BeforeTool", "write_file|replace", named("pre-edit")),
                ("AfterAgent", None, named("stop"))]
    if tool == "cursor":
        return [("sessionStart", None, {"command": command(tool, "session-start"), "timeout": TIMEOUT}),
                ("preToolUse", "Write", {"command": command(tool, "pre-edit"), "matcher": "Write",
                                         "timeout": TIMEOUT}),
                ("stop", None, {"command": command(tool, "stop"), "timeout": TIMEOUT, "loop_limit": 1})]

    def entry(event: str) -> dict[str, Any]:
        return {"type": "command", "command": command(tool, event), "timeout": TIMEOUT}

    matcher = EDIT_TOOLS if tool == "claude" else "^apply_patch$"
    return [("SessionStart", None, entry("session-start")),
            ("PreToolUse", matcher, entry("pre-edit")),
            ("Stop", None, entry("stop"))]


def settings_file(tool: str) -> str:
    return {"claude": ".claude/settings.json", "codex": ".codex/hooks.json", "cursor": ".cursor/hooks.json",
            "gemini": ".gemini/settings.json"}[tool]


def _indent(text: str) -> int | str:
    """The indentation the file uses (2 when it has none yet)."""
    match = re.search(r"\n([ \t]+)\S", text)
    if match is None:
        return 2
    unit = match.group(1)
    return unit if "\t" in unit else len(unit)


def _commands(entries: list[Any]) -> set[str]:
    """Every command an event's entries run (Cursor's flat entries, or groups of hooks)."""
    found = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("command"), str):
            found.add(entry["command"].strip())
        for hook in entry.get("hooks") or [] if isinstance(entry.get("hooks"), list) else []:
            if isinstance(hook, dict) and isinstance(hook.get("command"), str):
                found.add(hook["command"].strip())
    return found


def merged_settings(tool: str, rel: str, text: str | None) -> tuple[str, list[str]]:
    """The settings text with storykit's hooks in it, and the events that were added."""
    if text is None or not text.strip():
        data: dict[str, Any] = {}
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", "?")
            column = getattr(exc, "colno", "?")
            raise StorykitError(f"{rel}:{line}:{column}: not valid JSON ({getattr(exc, 'msg', exc)}); "
                                f"storykit will not overwrite it",
                                hint=f"fix the file, then run 'storykit setup {tool}' again") from None
        if not isinstance(data, dict):
            raise StorykitError(f"{rel}: the settings are a JSON {type(data).__name__}, not an object",
                                hint=f"fix the file, then run 'storykit setup {tool}' again")
    if tool == "cursor" and "version" not in data:
        data = {"version": 1, **data}
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise StorykitError(f"{rel}: 'hooks' is a JSON {type(hooks).__name__}, not an object",
                            hint=f"fix the file, then run 'storykit setup {tool}' again")
    added = []
    for event, matcher, entry in _hooks_wanted(tool):
        entries = hooks.setdefault(event, [])
        if not isinstance(entries, list):
            raise StorykitError(f"{rel}: hooks.{event} is a JSON {type(entries).__name__}, not a list",
                                hint=f"fix the file, then run 'storykit setup {tool}' again")
        if entry["command"] in _commands(entries):
            continue
        if tool == "cursor":
            entries.append(entry)
        else:
            group: dict[str, Any] = {"matcher": matcher} if matcher else {}
            group["hooks"] = [entry]
            entries.append(group)
        added.append(event)
    if not added and text is not None:
        return text, []
    dumped = json.dumps(data, indent=_indent(text or ""), ensure_ascii=False) + "\n"
    newline = "\r\n" if text and "\r\n" in text else "\n"
    return dumped.replace("\n", newline), added


RULE = """\
---
description: storykit's test-driven story workflow for this repository
alwaysApply: true
---
<!-- Written by 'storykit setup cursor'; running it again rewrites this file. -->
{section}"""


def plan(tool: str, config: Config, top: Path) -> list[Change]:
    """Every file ``storykit setup TOOL`` would write, computed before any is written."""
    from storykit.story.model import read_text

    if tool not in TOOLS:
        raise StorykitError(f"unknown agent tool '{tool}'", hint=f"use one of: {', '.join(TOOLS)}")

    def current(rel: str) -> str | None:
        path = top / rel
        return read_text(path) if path.is_file() else None

    changes = []
    rel = settings_file(tool)
    before = current(rel)
    after, _ = merged_settings(tool, rel, before)
    changes.append(Change(top / rel, rel, before, after))
    block = agents.section(config)
    files = ["AGENTS.md"] + [name for name in agents.FILES[1:] if tool == "claude" and (top / name).is_file()]
    if tool == "gemini":
        files.append("GEMINI.md")
    for name in files:
        text = current(name)
        changes.append(Change(top / name, name, text, agents.updated(text or "", block, name)))
    if tool == "cursor":
        rel = ".cursor/rules/storykit.mdc"
        changes.append(Change(top / rel, rel, current(rel), RULE.format(section=block)))
    return changes


def apply(changes: list[Change]) -> list[str]:
    """Write the changed files (each atomically); the paths written."""
    from storykit.project.files import write_text_atomic

    return [change.rel for change in changes if change.changed and write_text_atomic(change.path, change.after)]
