"""storykit setup claude|codex|cursor|gemini: merged into the tool's existing project
settings, idempotent, refused on a malformed file (issue 13)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import Project

# storykit in a subprocess runs the code next to these tests (not whatever storykit the
# environment has installed), also when 'storykit verify' replays an older commit.
SOURCE = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}

USER_CLAUDE = """{
  "model": "opus",
  "permissions": {"allow": ["Bash(npm test)"], "deny": []},
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "./audit.sh", "timeout": 5}]}
    ],
    "PostToolUse": [
      {"matcher": "Write", "hooks": [{"type": "command", "command": "prettier --write"}]}
    ]
  },
  "env": {"FOO": "bär"}
}
"""


def commands(entries: list[dict[str, object]]) -> list[str]:
    found = []
    for entry in entries:
        if "command" in entry:
            found.append(str(entry["command"]))
        for hook in entry.get("hooks", []):  # type: ignore[attr-defined]
            found.append(hook["command"])
    return found


def test_claude_merges_into_existing_settings_and_keeps_every_user_entry(project: Project) -> None:
    project.write(".claude/settings.json", USER_CLAUDE)
    result = project.run("setup", "claude")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Set up storykit for Claude Code in {project.root}: .claude/settings.json, "
                                    "AGENTS.md\n")
    data = json.loads(project.read(".claude/settings.json"))
    user = json.loads(USER_CLAUDE)
    assert list(data) == list(user)  # same keys, same order
    for key in ("model", "permissions", "env"):
        assert data[key] == user[key]
    assert data["hooks"]["PostToolUse"] == user["hooks"]["PostToolUse"]
    assert data["hooks"]["PreToolUse"][0] == user["hooks"]["PreToolUse"][0]
    assert data["hooks"]["PreToolUse"][1] == {"matcher": "Write|Edit|MultiEdit|NotebookEdit", "hooks": [
        {"type": "command", "command": "storykit hook claude pre-edit", "timeout": 30}]}
    assert data["hooks"]["SessionStart"] == [{"hooks": [
        {"type": "command", "command": "storykit hook claude session-start", "timeout": 30}]}]
    assert data["hooks"]["Stop"] == [{"hooks": [{"type": "command", "command": "storykit hook claude stop",
                                                 "timeout": 30}]}]
    assert "<!-- storykit:agents:start -->" in project.read("AGENTS.md")


def test_a_second_run_changes_nothing(project: Project) -> None:
    project.write(".claude/settings.json", USER_CLAUDE)
    project.write("CLAUDE.md", "# Mine\n")
    assert project.run("setup", "claude").exit_code == 0
    before = project.snapshot()
    again = project.run("setup", "claude")
    assert again.exit_code == 0
    assert again.stdout == f"storykit is already set up for Claude Code in {project.root}; nothing to do\n"
    assert project.snapshot() == before  # byte-identical
    assert project.read("CLAUDE.md").startswith("# Mine\n\n<!-- storykit:agents:start -->")


def test_a_hook_the_user_already_has_is_not_added_twice(project: Project) -> None:
    mine = {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "storykit hook claude stop"}]}]}}
    project.write(".claude/settings.json", json.dumps(mine))
    assert project.run("setup", "claude").exit_code == 0
    data = json.loads(project.read(".claude/settings.json"))
    assert commands(data["hooks"]["Stop"]) == ["storykit hook claude stop"]


def test_dry_run_prints_the_diff_and_writes_nothing(project: Project) -> None:
    project.write(".claude/settings.json", USER_CLAUDE)
    before = project.snapshot()
    result = project.run("setup", "claude", "--dry-run")
    assert result.exit_code == 0
    assert project.snapshot() == before
    assert result.stdout.startswith("--- a/.claude/settings.json\n+++ b/.claude/settings.json\n@@ ")
    added = [line for line in result.stdout.splitlines() if line.startswith("+")]
    assert '"command": "storykit hook claude pre-edit",' in [line[1:].strip() for line in added]
    assert "--- /dev/null\n+++ b/AGENTS.md\n" in result.stdout
    assert result.stderr == "Dry run: 2 file(s) would change; nothing was written.\n"


def test_a_malformed_settings_file_is_refused_and_kept(project: Project) -> None:
    project.write(".gemini/settings.json", '{"theme": "dark",\n  "hooks": }\n')
    before = project.snapshot()
    result = project.run("setup", "gemini")
    assert result.exit_code == 2
    assert result.stderr == ("Error: .gemini/settings.json:2:12: not valid JSON (Expecting value); storykit will "
                             "not overwrite it; fix the file, then run 'storykit setup gemini' again\n")
    assert project.snapshot() == before


def test_hooks_that_are_not_an_object_are_refused(project: Project) -> None:
    project.write(".codex/hooks.json", '{"hooks": []}\n')
    result = project.run("setup", "codex")
    assert result.exit_code == 2
    assert result.stderr == ("Error: .codex/hooks.json: 'hooks' is a JSON list, not an object; fix the file, "
                             "then run 'storykit setup codex' again\n")


def test_codex_writes_hooks_json_with_the_apply_patch_matcher(project: Project) -> None:
    result = project.run("setup", "codex")
    assert result.exit_code == 0, result.output
    assert "trust" in result.stdout
    hooks = json.loads(project.read(".codex/hooks.json"))["hooks"]
    assert hooks["PreToolUse"][0]["matcher"] == "^apply_patch$"
    assert commands(hooks["PreToolUse"]) == ["storykit hook codex pre-edit"]
    assert commands(hooks["SessionStart"]) == ["storykit hook codex session-start"]
    assert commands(hooks["Stop"]) == ["storykit hook codex stop"]


def test_cursor_writes_version_1_hooks_and_an_always_applied_rule(project: Project) -> None:
    project.write(".cursor/hooks.json", '{"hooks": {"afterFileEdit": [{"command": "./format.sh"}]}}')
    assert project.run("setup", "cursor").exit_code == 0
    data = json.loads(project.read(".cursor/hooks.json"))
    assert data["version"] == 1
    assert data["hooks"]["afterFileEdit"] == [{"command": "./format.sh"}]
    assert data["hooks"]["preToolUse"] == [{"command": "storykit hook cursor pre-edit", "matcher": "Write",
                                            "timeout": 30}]
    assert commands(data["hooks"]["sessionStart"]) == ["storykit hook cursor session-start"]
    assert data["hooks"]["stop"][0]["loop_limit"] == 1
    rule = project.read(".cursor/rules/storykit.mdc")
    assert rule.startswith("---\ndescription: storykit's test-driven story workflow for this repository\n"
                           "alwaysApply: true\n---\n")
    assert "storykit run-tests STORY-ID" in rule
    before = project.snapshot()
    assert project.run("setup", "cursor").stdout.startswith("storykit is already set up for Cursor")
    assert project.snapshot() == before


def test_gemini_writes_settings_with_milliseconds_and_gemini_md(project: Project) -> None:
    project.write(".gemini/settings.json", '{\n\t"theme": "dark"\n}\n')
    assert project.run("setup", "gemini").exit_code == 0
    text = project.read(".gemini/settings.json")
    assert text.startswith('{\n\t"theme": "dark",\n\t"hooks": {\n')  # the file's own indentation kept
    hooks = json.loads(text)["hooks"]
    assert hooks["BeforeTool"] == [{"matcher": "write_file|replace", "hooks": [
        {"name": "storykit-pre-edit", "type": "command", "command": "storykit hook gemini pre-edit",
         "timeout": 30000}]}]
    assert commands(hooks["AfterAgent"]) == ["storykit hook gemini stop"]
    assert commands(hooks["SessionStart"]) == ["storykit hook gemini session-start"]
    assert "<!-- storykit:agents:start -->" in project.read("GEMINI.md")


def test_the_installed_command_really_guards(project: Project) -> None:
    """The command written into the settings, run as the tool would run it."""
    assert project.new().exit_code == 0
    assert project.run("start", "1", "--agent", "a").exit_code == 0
    assert project.run("setup", "claude").exit_code == 0
    settings = json.loads(project.read(".claude/settings.json"))
    command = settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    argv = shlex.split(command)
    assert argv[:2] == ["storykit", "hook"]
    payload = {"session_id": "s", "cwd": str(project.root), "hook_event_name": "PreToolUse", "tool_name": "Write",
               "tool_input": {"file_path": str(project.root / "src" / "app.py"), "content": ""}}
    proc = subprocess.run([sys.executable, "-m", "storykit", *argv[1:]], input=json.dumps(payload), text=True,
                          capture_output=True, cwd=project.root, env={**os.environ, **SOURCE}, timeout=60)
    assert json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
