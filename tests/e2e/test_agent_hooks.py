"""storykit hook TOOL EVENT: each tool's documented payloads piped into a real
``storykit`` process in a real project (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Project, copy_of, prepared

# storykit in a subprocess runs the code next to these tests (not whatever storykit the
# environment has installed), also when 'storykit verify' replays an older commit.
SOURCE = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}

DENY_SRC = ("STORY-001 has no failing test yet: write its tests (tests/test_feature.py) and run "
            "'storykit run-tests STORY-001' before editing src/app.py")


def hook(project: Project, tool: str, event: str, payload: object, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    environ = {k: v for k, v in os.environ.items() if not k.endswith("_PROJECT_DIR")}
    return subprocess.run([sys.executable, "-m", "storykit", "hook", tool, event], input=data, text=True,
                          capture_output=True, cwd=project.root, env={**environ, **SOURCE, **(env or {})}, timeout=60)


def claude_edit(project: Project, tool_name: str, tool_input: dict[str, object]) -> dict[str, object]:
    return {"session_id": "abc123", "transcript_path": "/tmp/t.jsonl", "cwd": str(project.root),
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool_name,
            "tool_input": tool_input, "tool_use_id": "toolu_01"}


def write_src(project: Project) -> dict[str, object]:
    return claude_edit(project, "Write", {"file_path": str(project.root / "src" / "app.py"), "content": "x = 1\n"})


def claude_denied(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)["hookSpecificOutput"]
    assert (answer["hookEventName"], answer["permissionDecision"]) == ("PreToolUse", "deny")
    return str(answer["permissionDecisionReason"])


def _started(project: Project) -> None:
    assert project.new().exit_code == 0
    assert project.run("start", "1", "--agent", "agent-a").exit_code == 0


def _green(project: Project) -> None:
    _started(project)
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0


@pytest.fixture(scope="module")
def started_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _started)


@pytest.fixture(scope="module")
def green_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _green)


@pytest.fixture
def started(started_template: Path, tmp_path: Path) -> Project:
    """STORY-001 (tests/test_feature.py) claimed and active, not started."""
    return copy_of(started_template, tmp_path)


@pytest.fixture
def green(green_template: Path, tmp_path: Path) -> Project:
    """STORY-001 claimed, active and green (a real red run, then a real green run)."""
    return copy_of(green_template, tmp_path)


# -- Claude Code --------------------------------------------------------------------------

def test_claude_implementation_before_red_is_denied(started: Project) -> None:
    assert claude_denied(hook(started, "claude", "pre-edit", write_src(started))) == DENY_SRC


def test_claude_the_storys_tests_docs_and_config_are_allowed_before_red(started: Project) -> None:
    for rel in ("tests/test_feature.py", "README.md", "docs/design.rst", "pyproject.toml", "tests/conftest.py"):
        result = hook(started, "claude", "pre-edit",
                      claude_edit(started, "Write", {"file_path": str(started.root / rel), "content": "x\n"}))
        assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), rel


def test_claude_after_a_real_red_run_the_implementation_is_allowed(started: Project) -> None:
    started.tests_file("feature", failing=2)
    assert started.run("run-tests", "1").exit_code == 0
    result = hook(started, "claude", "pre-edit", write_src(started))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_claude_edit_and_multiedit_are_guarded_too(started: Project) -> None:
    src = str(started.root / "src" / "app.py")
    edit = claude_edit(started, "Edit", {"file_path": src, "old_string": "a", "new_string": "b", "replace_all": False})
    assert claude_denied(hook(started, "claude", "pre-edit", edit)) == DENY_SRC
    multi = claude_edit(started, "MultiEdit", {"file_path": src, "edits": [{"old_string": "a", "new_string": "b"}]})
    assert claude_denied(hook(started, "claude", "pre-edit", multi)) == DENY_SRC


def test_claude_hand_edits_of_storykit_regions_are_denied_at_every_stage(green: Project) -> None:
    path = str(green.story_path())
    rel = green.story_path().relative_to(green.root).as_posix()
    cases = {
        ("status: green", "status: done"):
            f"{rel}: STORY-001's status is written by storykit, never by hand: "
            "'storykit run-tests STORY-001' and 'storykit complete STORY-001' move it",
        ("**Status:** 🟢 Green (tests passing)", "**Status:** ✅ Done"):
            f"{rel}: STORY-001's **Status:** line is written by storykit, never by hand: "
            "'storykit run-tests STORY-001' and 'storykit complete STORY-001' move it",
        ("exit_code: 1", "exit_code: 0"):
            f"{rel}: STORY-001's recorded runs is written by storykit, never by hand: "
            "'storykit run-tests STORY-001' writes it from a real test run",
        ("- Result: 2 passed, 2 total", "- Result: 5 passed, 5 total"):
            f"{rel}: STORY-001's Test Results section is written by storykit, never by hand: "
            "'storykit run-tests STORY-001' writes it from a real test run",
        ("claimed_by: agent-a", "claimed_by: agent-b"):
            f"{rel}: STORY-001's claim is storykit's: 'storykit start STORY-001' takes it and "
            "'storykit release STORY-001' gives it back",
    }
    text = green.story()
    for (old, new), reason in cases.items():
        assert old in text, old
        edit = claude_edit(green, "Edit", {"file_path": path, "old_string": old, "new_string": new})
        assert claude_denied(hook(green, "claude", "pre-edit", edit)) == reason


def test_claude_ticking_a_box_or_writing_the_context_is_allowed(green: Project) -> None:
    path = str(green.story_path())
    for old, new in (("- [ ] Read the code the feature touches", "- [x] Read the code the feature touches"),
                     ("Build [feature name]", "Build the tags table")):
        edit = claude_edit(green, "Edit", {"file_path": path, "old_string": old, "new_string": new})
        result = hook(green, "claude", "pre-edit", edit)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), old


def test_claude_rewriting_a_whole_story_keeps_to_the_same_rule(green: Project) -> None:
    text = green.story()
    path = str(green.story_path())
    same = claude_edit(green, "Write", {"file_path": path, "content": text.replace("- [ ]", "- [x]")})
    assert hook(green, "claude", "pre-edit", same).stdout == ""
    forged = claude_edit(green, "Write", {"file_path": path, "content": text.replace("status: green", "status: done")})
    assert "STORY-001's status is written by storykit" in claude_denied(hook(green, "claude", "pre-edit", forged))


def test_claude_the_tracker_is_never_edited_by_hand(green: Project) -> None:
    edit = claude_edit(green, "Write", {"file_path": str(green.root / "STORY_TRACKER.md"), "content": "# mine\n"})
    assert claude_denied(hook(green, "claude", "pre-edit", edit)) == (
        "STORY_TRACKER.md is generated from the stories: 'storykit tracker' rewrites it, never edit it by hand")


def test_claude_no_active_story_allows_silently(started: Project) -> None:
    assert started.run("release", "--agent", "agent-a").exit_code == 0
    result = hook(started, "claude", "pre-edit", write_src(started))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_guard_warn_allows_with_a_message_and_off_allows_silently(started: Project) -> None:
    pyproject = started.root / "storykit.toml"
    base = pyproject.read_text()
    pyproject.write_text(base + 'guard = "warn"\n')
    warned = hook(started, "claude", "pre-edit", write_src(started))
    assert warned.returncode == 0
    assert json.loads(warned.stdout) == {"systemMessage": DENY_SRC}
    pyproject.write_text(base + 'guard = "off"\n')
    off = hook(started, "claude", "pre-edit", write_src(started))
    assert (off.returncode, off.stdout, off.stderr) == (0, "", "")


def test_bad_stdin_allows_with_one_line_on_stderr(started: Project) -> None:
    for payload, why in (("not json", "its input is not JSON (Expecting value: line 1 column 1 (char 0))"),
                         ("[1, 2]", "its input is a JSON list, not an object"),
                         ({"hook_event_name": "PreToolUse", "cwd": str(started.root)},
                          "the payload has no tool_name (not Claude Code's documented PreToolUse input)")):
        result = hook(started, "claude", "pre-edit", payload)
        assert result.returncode == 0
        assert result.stdout == ""
        assert result.stderr == f"storykit hook claude pre-edit: {why}; allowed without checking\n"


def test_a_payload_of_another_event_is_named(started: Project) -> None:
    payload = {**write_src(started), "hook_event_name": "PostToolUse"}
    result = hook(started, "claude", "pre-edit", payload)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == ("storykit hook claude pre-edit: it was called for Claude Code's PostToolUse event, "
                             "but 'pre-edit' answers PreToolUse: run 'storykit setup claude' again; "
                             "allowed without checking\n")


def test_unknown_tool_or_event_is_exit_1_never_2(started: Project) -> None:
    result = hook(started, "vim", "pre-edit", {})
    assert result.returncode == 1
    assert result.stderr.startswith("storykit hook: usage: storykit hook TOOL EVENT (TOOL: claude, codex, cursor, "
                                    "gemini; EVENT: session-start, pre-edit, stop)")


def test_claude_session_start_primes_the_agent(started: Project) -> None:
    assert started.new(title="Another story").exit_code == 0
    payload = {"session_id": "abc123", "transcript_path": "/tmp/t.jsonl", "cwd": str(started.root),
               "hook_event_name": "SessionStart", "source": "startup"}
    result = hook(started, "claude", "session-start", payload)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)["hookSpecificOutput"]
    assert answer["hookEventName"] == "SessionStart"
    text = answer["additionalContext"]
    assert ("Active story (this worktree): STORY-001 \"Add feature\", status not-started. Next: write its failing "
            "tests (tests/test_feature.py), then 'storykit run-tests STORY-001'.") in text
    assert "Ready to start: STORY-002 Another story." in text  # STORY-001 is claimed: not offered
    assert "Never edit a story's status" in text
    assert len(text.split()) <= 300


def test_claude_stop_reminds_once_when_the_story_is_ready_to_complete(green: Project) -> None:
    stop = {"session_id": "abc123", "transcript_path": "/tmp/t.jsonl", "cwd": str(green.root),
            "hook_event_name": "Stop", "stop_hook_active": False, "last_assistant_message": "Done."}
    unticked = hook(green, "claude", "stop", stop)
    assert (unticked.returncode, unticked.stdout) == (0, "")  # boxes left: the agent may still be working
    green.tick_all()
    first = hook(green, "claude", "stop", stop)
    assert json.loads(first.stdout) == {"decision": "block", "reason": (
        "STORY-001 is green and every box is ticked, but it is not done: run 'storykit complete STORY-001' "
        "(it re-runs the tests, records and commits) before you stop")}
    assert hook(green, "claude", "stop", {**stop, "stop_hook_active": True}).stdout == ""
    assert hook(green, "claude", "stop", stop).stdout == ""  # once per session: never a loop


def test_claude_stop_names_stale_evidence(green: Project) -> None:
    green.tests_file("feature", passing=3)
    stop = {"session_id": "s2", "cwd": str(green.root), "hook_event_name": "Stop", "stop_hook_active": False}
    result = hook(green, "claude", "stop", stop)
    assert json.loads(result.stdout) == {"decision": "block", "reason": (
        "STORY-001's tests (tests/test_feature.py) changed since its passing run was recorded: run "
        "'storykit run-tests STORY-001' to record them again before you stop")}


def test_outside_a_storykit_project_every_hook_is_silent(tmp_path: Path) -> None:
    nowhere = Project(tmp_path)
    payload = {"session_id": "s", "cwd": str(tmp_path), "hook_event_name": "PreToolUse", "tool_name": "Write",
               "tool_input": {"file_path": str(tmp_path / "a.py"), "content": ""}}
    result = hook(nowhere, "claude", "pre-edit", payload)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


# -- Codex CLI ----------------------------------------------------------------------------

def codex_patch(project: Project, patch: str) -> dict[str, object]:
    return {"session_id": "s", "transcript_path": None, "cwd": str(project.root), "hook_event_name": "PreToolUse",
            "model": "gpt-5-codex", "permission_mode": "default", "turn_id": "t1", "tool_name": "apply_patch",
            "tool_use_id": "call_1", "tool_input": {"command": patch}}


def test_codex_apply_patch_of_the_implementation_is_denied_before_red(started: Project) -> None:
    patch = "*** Begin Patch\n*** Add File: src/app.py\n+x = 1\n*** End Patch\n"
    assert claude_denied(hook(started, "codex", "pre-edit", codex_patch(started, patch))) == DENY_SRC
    tests = "*** Begin Patch\n*** Add File: tests/test_feature.py\n+def test_a():\n+    assert 0\n*** End Patch\n"
    allowed = hook(started, "codex", "pre-edit", codex_patch(started, tests))
    assert (allowed.returncode, allowed.stdout, allowed.stderr) == (0, "{}\n", "")


def test_codex_a_patch_of_a_storys_test_results_is_denied(green: Project) -> None:
    rel = green.story_path().relative_to(green.root).as_posix()
    patch = (f"*** Begin Patch\n*** Update File: {rel}\n@@\n-- Result: 2 passed, 2 total\n"
             "+- Result: 9 passed, 9 total\n*** End Patch\n")
    reason = claude_denied(hook(green, "codex", "pre-edit", codex_patch(green, patch)))
    assert reason == (f"{rel}: STORY-001's Test Results section is written by storykit, never by hand: "
                      "'storykit run-tests STORY-001' writes it from a real test run")
    tick = (f"*** Begin Patch\n*** Update File: {rel}\n@@\n-- [ ] Read the code the feature touches\n"
            f"+- [x] Read the code the feature touches\n*** End Patch\n")
    assert hook(green, "codex", "pre-edit", codex_patch(green, tick)).stdout == "{}\n"


def test_codex_session_start_and_stop(green: Project) -> None:
    start = {"session_id": "s", "cwd": str(green.root), "hook_event_name": "SessionStart", "model": "m",
             "source": "startup"}
    answer = json.loads(hook(green, "codex", "session-start", start).stdout)["hookSpecificOutput"]
    assert "STORY-001 \"Add feature\", status green" in answer["additionalContext"]
    green.tick_all()
    stop = {"session_id": "s", "cwd": str(green.root), "hook_event_name": "Stop", "stop_hook_active": False,
            "last_assistant_message": "done"}
    assert json.loads(hook(green, "codex", "stop", stop).stdout)["decision"] == "block"
    assert hook(green, "codex", "stop", {**stop, "stop_hook_active": True}).stdout == "{}\n"


# -- Cursor -------------------------------------------------------------------------------

def cursor(project: Project, event: str, **fields: object) -> dict[str, object]:
    return {"conversation_id": "c1", "generation_id": "g1", "model": "m", "hook_event_name": event,
            "cursor_version": "1.7", "workspace_roots": [str(project.root)], "user_email": None,
            "transcript_path": None, **fields}


def test_cursor_pre_tool_use_write(started: Project) -> None:
    write = cursor(started, "preToolUse", tool_name="Write", tool_use_id="t", cwd=str(started.root),
                   tool_input={"file_path": str(started.root / "src" / "app.py"), "content": "x = 1\n"})
    result = hook(started, "cursor", "pre-edit", write)
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"permission": "deny", "user_message": DENY_SRC, "agent_message": DENY_SRC}
    test = {**write, "tool_input": {"file_path": str(started.root / "tests" / "test_feature.py"), "content": ""}}
    assert hook(started, "cursor", "pre-edit", test).stdout == "{}\n"


def test_cursor_session_start_and_stop_with_its_loop_count(green: Project) -> None:
    start = cursor(green, "sessionStart", session_id="c1", is_background_agent=False, composer_mode="agent")
    assert "status green" in json.loads(hook(green, "cursor", "session-start", start).stdout)["additional_context"]
    green.tick_all()
    stop = cursor(green, "stop", status="completed", loop_count=0)
    assert json.loads(hook(green, "cursor", "stop", stop).stdout)["followup_message"].startswith(
        "STORY-001 is green and every box is ticked")
    assert hook(green, "cursor", "stop", {**stop, "loop_count": 1}).stdout == "{}\n"


# -- Gemini CLI ---------------------------------------------------------------------------

def gemini(project: Project, event: str, **fields: object) -> dict[str, object]:
    return {"session_id": "g", "transcript_path": "/tmp/g.json", "cwd": str(project.root), "hook_event_name": event,
            "timestamp": "2026-11-28T10:00:00Z", **fields}


def test_gemini_before_tool_write_file_before_red(started: Project) -> None:
    write = gemini(started, "BeforeTool", tool_name="write_file",
                   tool_input={"file_path": str(started.root / "src" / "app.py"), "content": "x"})
    assert json.loads(hook(started, "gemini", "pre-edit", write).stdout) == {"decision": "deny", "reason": DENY_SRC}


def test_gemini_before_tool_replace_of_a_status_and_a_write_after_red(green: Project) -> None:
    replace = gemini(green, "BeforeTool", tool_name="replace",
                     tool_input={"file_path": str(green.story_path()), "instruction": "mark it done",
                                 "old_string": "status: green", "new_string": "status: done"})
    answer = json.loads(hook(green, "gemini", "pre-edit", replace).stdout)
    assert answer["decision"] == "deny" and "STORY-001's status is written by storykit" in answer["reason"]
    fine = gemini(green, "BeforeTool", tool_name="write_file",
                  tool_input={"file_path": str(green.root / "src" / "app.py"), "content": "x"})
    assert hook(green, "gemini", "pre-edit", fine).stdout == "{}\n"


def test_gemini_session_start_and_after_agent(green: Project) -> None:
    start = gemini(green, "SessionStart", source="startup")
    answer = json.loads(hook(green, "gemini", "session-start", start).stdout)["hookSpecificOutput"]
    assert answer["hookEventName"] == "SessionStart" and "STORY-001" in answer["additionalContext"]
    green.tick_all()
    after = gemini(green, "AfterAgent", prompt="p", prompt_response="r", stop_hook_active=False)
    assert json.loads(hook(green, "gemini", "stop", after).stdout)["decision"] == "deny"
    assert hook(green, "gemini", "stop", {**after, "stop_hook_active": True}).stdout == "{}\n"


def test_the_project_dir_variable_is_used(started: Project, tmp_path: Path) -> None:
    payload = {**write_src(started), "cwd": str(tmp_path)}  # a cwd outside the project
    result = hook(started, "claude", "pre-edit", payload, env={"CLAUDE_PROJECT_DIR": str(started.root)})
    assert claude_denied(result) == DENY_SRC
