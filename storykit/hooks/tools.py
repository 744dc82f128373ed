"""What each agent tool sends a hook and what it expects back (their documented formats).

Reading: the file edits a payload asks for (``edits``), where the project is
(``start_dir``), and whether a stop hook is already continuing the agent
(``stop_repeat``).  Writing: ``render`` turns storykit's answer into the tool's
documented form.  Documentation followed:

- Claude Code: https://code.claude.com/docs/en/hooks
- Codex CLI: https://developers.openai.com/codex/hooks
- Cursor: https://cursor.com/docs/hooks
- Gemini CLI: https://github.com/google-gemini/gemini-cli/blob/main/docs/hooks/reference.md
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

TOOLS = ("claude", "codex", "cursor", "gemini")
EVENTS = ("session-start", "pre-edit", "stop")
NAMES = {"claude": "Claude Code", "codex": "Codex CLI", "cursor": "Cursor", "gemini": "Gemini CLI"}

# The hook_event_name each tool sends for each of storykit's events.
EVENT_NAMES = {
    "claude": {"session-start": "SessionStart", "pre-edit": "PreToolUse", "stop": "Stop"},
    "codex": {"session-start": "SessionStart", "pre-edit": "PreToolUse", "stop": "Stop"},
    "cursor": {"session-start": "sessionStart", "pre-edit": "preToolUse", "stop": "stop"},
    "gemini": {"session-start": "SessionStart", "pre-edit": "BeforeTool", "stop": "AfterAgent"},
}
PROJECT_ENV = {"claude": ("CLAUDE_PROJECT_DIR",), "codex": (), "cursor": ("CURSOR_PROJECT_DIR", "CLAUDE_PROJECT_DIR"),
               "gemini": ("GEMINI_PROJECT_DIR", "CLAUDE_PROJECT_DIR")}


class PayloadError(ValueError):
    """The payload is not what the tool documents; the message says what is missing."""


@dataclass
class Edit:
    """One file an edit tool is about to change.  ``kind``: ``write`` (``content`` is the
    whole new text), ``replace`` (``pairs`` of old, new, replace-all), ``patch``
    (``hunks`` of old and new lines), ``delete``, or ``unknown`` (the tool does not say
    what the new text is)."""

    path: str
    kind: str
    content: str = ""
    pairs: list[tuple[str, str, bool]] = field(default_factory=list)
    hunks: list[tuple[list[str], list[str]]] = field(default_factory=list)


def start_dir(tool: str, payload: dict[str, Any]) -> str:
    """Where the session's project is: the tool's project variable, the payload's
    cwd (Cursor: its first workspace root), else the hook's own working directory."""
    for name in PROJECT_ENV[tool]:
        if os.environ.get(name):
            return os.environ[name]
    roots = payload.get("workspace_roots")
    if tool == "cursor" and isinstance(roots, list) and roots and isinstance(roots[0], str):
        return roots[0]
    cwd = payload.get("cwd")
    return cwd if isinstance(cwd, str) and cwd else os.getcwd()


def session_id(payload: dict[str, Any]) -> str:
    return str(payload.get("session_id") or payload.get("conversation_id") or "")


def stop_repeat(tool: str, payload: dict[str, Any]) -> bool:
    """True when the agent is already going on because a stop hook said so: say nothing
    again (the documented loop guards: stop_hook_active, Cursor's loop_count)."""
    if tool == "cursor":
        count = payload.get("loop_count")
        return isinstance(count, int) and count > 0
    return payload.get("stop_hook_active") is True


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise PayloadError(f"{what} is {type(value).__name__}, not text")
    return value


def edits(tool: str, payload: dict[str, Any]) -> list[Edit]:
    """The files a pre-edit payload is about to change; [] for a tool that edits nothing."""
    name = payload.get("tool_name")
    data = payload.get("tool_input")
    if isinstance(data, str) and tool == "cursor":  # Cursor sends some inputs as JSON text
        try:
            data = json.loads(data)
        except ValueError:
            data = {"content": data}
    if not isinstance(name, str):
        raise PayloadError("the payload has no tool_name")
    if not isinstance(data, dict):
        raise PayloadError(f"the {name} payload has no tool_input object")
    if name == "apply_patch" or (tool == "codex" and isinstance(data.get("command"), str)
                                 and "*** Begin Patch" in data["command"]):
        patch = data.get("command") if isinstance(data.get("command"), str) else data.get("patch", data.get("input"))
        return parse_patch(_text(patch, "apply_patch's tool_input.command"))
    path = next((data[k] for k in ("file_path", "notebook_path", "path", "target_file") if data.get(k)), None)
    if name in ("Write", "write_file", "NotebookEdit", "Edit", "MultiEdit", "replace", "edit") and path is None:
        raise PayloadError(f"the {name} payload has no tool_input.file_path")
    if path is None:
        return []  # not an edit tool (a matcher wider than storykit's)
    path = _text(path, "tool_input.file_path")
    if name in ("Write", "write_file") or (tool == "cursor" and isinstance(data.get("content"), str)):
        content = data.get("content", data.get("contents"))
        return [Edit(path, "write", content=content)] if isinstance(content, str) else [Edit(path, "unknown")]
    if name in ("Edit", "replace", "edit"):
        count = data.get("expected_replacements")
        every = data.get("replace_all") is True or (isinstance(count, int) and count > 1)
        return [Edit(path, "replace", pairs=[(_text(data.get("old_string"), "old_string"),
                                              _text(data.get("new_string"), "new_string"), every)])]
    if name == "MultiEdit" and isinstance(data.get("edits"), list):
        pairs = [(_text(e.get("old_string"), "old_string"), _text(e.get("new_string"), "new_string"),
                  e.get("replace_all") is True) for e in data["edits"] if isinstance(e, dict)]
        return [Edit(path, "replace", pairs=pairs)]
    return [Edit(path, "unknown")]


def parse_patch(text: str) -> list[Edit]:
    """The files of an apply_patch patch (``*** Add/Update/Delete File: PATH``), with
    each update's hunks as (old lines, new lines)."""
    found: list[Edit] = []
    current: Edit | None = None
    for line in text.splitlines():
        if line.startswith("*** Add File: "):
            current = Edit(line[len("*** Add File: "):].strip(), "write")
            found.append(current)
        elif line.startswith("*** Update File: "):
            current = Edit(line[len("*** Update File: "):].strip(), "patch")
            found.append(current)
        elif line.startswith("*** Delete File: "):
            found.append(Edit(line[len("*** Delete File: "):].strip(), "delete"))
            current = None
        elif line.startswith("*** Move to: ") and current is not None:
            found.append(Edit(line[len("*** Move to: "):].strip(), "unknown"))
        elif line.startswith("***"):
            continue  # Begin/End Patch, End of File
        elif current is not None and current.kind == "write":
            current.content += (line[1:] if line.startswith("+") else line) + "\n"
        elif current is not None and current.kind == "patch":
            if line.startswith("@@") or not current.hunks:
                current.hunks.append(([], []))
                if line.startswith("@@"):
                    continue
            old, new = current.hunks[-1]
            marker, rest = line[:1], line[1:]
            if marker in (" ", ""):
                old.append(rest)
                new.append(rest)
            elif marker == "-":
                old.append(rest)
            elif marker == "+":
                new.append(rest)
    return found


def apply(edit: Edit, old: str | None) -> str | None:
    """The file's text after ``edit``, or None when that cannot be known."""
    if edit.kind == "write":
        return edit.content
    if old is None or edit.kind not in ("replace", "patch"):
        return None
    text = old
    if edit.kind == "replace":
        for old_string, new_string, every in edit.pairs:
            if old_string not in text:
                return text  # the tool refuses an edit whose old_string is not there
            text = text.replace(old_string, new_string) if every else text.replace(old_string, new_string, 1)
        return text
    lines = text.replace("\r\n", "\n").split("\n")
    position = 0
    for before, after in edit.hunks:
        index = _find(lines, before, position)
        if index is None:
            return None
        lines[index:index + len(before)] = after
        position = index + len(after)
    return "\n".join(lines)


def _find(lines: list[str], block: list[str], start: int) -> int | None:
    if not block:
        return start
    for index in range(start, len(lines) - len(block) + 1):
        if lines[index:index + len(block)] == block:
            return index
    for index in range(start, len(lines) - len(block) + 1):  # as apply_patch does: ignoring trailing spaces
        if [s.rstrip() for s in lines[index:index + len(block)]] == [s.rstrip() for s in block]:
            return index
    return None


# -- answers --------------------------------------------------------------------------------

def render(tool: str, event: str, kind: str, message: str) -> tuple[str, int]:
    """(stdout, exit code) for storykit's answer.  ``kind``: ``allow`` (nothing to say),
    ``deny``, ``warn`` (allowed, with a message), ``context`` (the session prime),
    ``block`` (the stop reminder)."""
    name = EVENT_NAMES[tool][event]
    if kind == "allow":
        return ("" if tool == "claude" else "{}\n"), 0  # Gemini and Codex want JSON only; {} changes nothing
    if tool == "cursor":
        if kind in ("deny", "warn"):
            answer: dict[str, Any] = {"permission": "deny" if kind == "deny" else "allow",
                                      "user_message": message, "agent_message": message}
        elif kind == "context":
            answer = {"additional_context": message}
        else:
            answer = {"followup_message": message}
    elif kind == "deny":
        answer = ({"decision": "deny", "reason": message} if tool == "gemini" else
                  {"hookSpecificOutput": {"hookEventName": name, "permissionDecision": "deny",
                                          "permissionDecisionReason": message}})
    elif kind == "warn":
        answer = {"systemMessage": message}
    elif kind == "context":
        answer = {"hookSpecificOutput": {"hookEventName": name, "additionalContext": message}}
    else:  # the stop reminder: Claude and Codex "block", Gemini's AfterAgent "deny" (a retry)
        answer = {"decision": "deny" if tool == "gemini" else "block", "reason": message}
    return json.dumps(answer, ensure_ascii=False) + "\n", 0
