"""``storykit mcp``: the agent's cycle as an MCP server over stdio (the optional
``mcp`` extra, the official Python SDK).

Seven tools, terse on purpose (``tools/list`` stays far under 8,000 characters,
about 2,000 tokens): next, show, run_tests, tick, note, complete, check.  Each tool
runs the storykit CLI itself with ``--json``, in a child process, so its answer is
exactly the CLI's JSON document (docs/json.md) and nothing a test run prints can
reach the protocol stream on stdout.  A refusal or an error is a tool error whose
text is the CLI's one-line message.  A test run's output goes to its log file and
the story; the agent gets only its last ``TAIL`` lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

TAIL = 40  # lines of a test run's output returned to the agent
INSTRUCTIONS = ("storykit enforces TDD on story files. Cycle: next -> show -> write failing tests -> run_tests (red) "
                "-> implement -> run_tests (green) -> tick the items you did -> note -> complete. "
                "Never edit story files by hand.")


class CliFailed(Exception):
    """The CLI refused or failed: ``message`` is its one line on stderr."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def call(root: Path | None, args: list[str], *, tail: bool = False) -> Any:
    """Run ``storykit [-C root] ARGS --json``; [the JSON document] (and, with
    ``tail``, the last lines of what it printed); raises CliFailed on a non-zero exit."""
    where = ["-C", str(root)] if root is not None else []
    command, rest = args[0], args[1:]
    proc = subprocess.run([sys.executable, "-m", "storykit", *where, command, "--json", *rest],
                          capture_output=True, text=True, encoding="utf-8", errors="replace",
                          stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    if proc.returncode != 0:
        raise CliFailed(_message(proc.stdout, proc.stderr))
    answer = [proc.stdout.strip()]
    if tail:
        lines = proc.stderr.rstrip("\n").splitlines()
        shown = lines[-TAIL:]
        head = [f"[output: last {len(shown)} of {len(lines)} lines; the full log is named above]"] \
            if len(lines) > TAIL else []
        answer.append("\n".join(head + shown))
    return answer


def _message(stdout: str, stderr: str) -> str:
    """The CLI's one-line message: its last line on stderr, else built from the error document."""
    for line in reversed(stderr.splitlines()):
        if line.startswith(("Refused: ", "Error: ")):
            return line
    try:
        doc = json.loads(stdout)
    except ValueError:
        return stderr.strip().splitlines()[-1] if stderr.strip() else "storykit failed"
    label = "Refused" if doc.get("error") == "refused" or doc.get("refused") else "Error"
    hint = f"; {doc['hint']}" if doc.get("hint") else ""
    return f"{label}: {doc.get('reason')}{hint}"


def _sdk() -> Any:
    """The SDK's server class (``MCPServer`` in mcp 2, ``FastMCP`` in mcp 1)."""
    try:
        from mcp.server.mcpserver import MCPServer
    except ImportError:
        from mcp.server.fastmcp import FastMCP  # type: ignore[attr-defined]  # mcp 1

        return FastMCP
    return MCPServer


def server(root: Path | None) -> Any:
    """The MCP server, its tools registered (call ``.run()`` to serve on stdio)."""
    from mcp.types import CallToolResult

    mcp = _sdk()("storykit", instructions=INSTRUCTIONS)

    def run(args: list[str], tail: bool = False) -> Any:
        try:
            return call(root, args, tail=tail)
        except CliFailed as exc:
            # A tool error (isError) whose text is the CLI's line exactly: raising the
            # SDK's ToolError would prefix it with "Error executing tool NAME: ".
            return CallToolResult.model_validate({"content": [{"type": "text", "text": exc.message}],
                                                  "isError": True})

    def tool(description: str) -> Any:
        return mcp.tool(description=description, structured_output=False)

    @tool("Stories ready to start, by priority then id; filters optional.")
    def next(label: str | None = None, agent: str | None = None, priority: str | None = None) -> Any:
        args = ["next"]
        for option, value in (("--label", label), ("--agent", agent), ("--priority", priority)):
            if value:
                args += [option, value]
        return run(args)

    @tool("A story's state, runs, and unticked checklist items with their numbers.")
    def show(story: str) -> Any:
        return run(["show", "--", story])

    @tool("Run the story's tests and record the evidence: failing -> red, passing after red -> green. "
          "commit=true commits the run (at red: the failing tests).")
    def run_tests(story: str, commit: bool = False) -> Any:
        return run(["run-tests", *(["--commit"] if commit else []), story], tail=True)

    @tool("Tick checklist items by number (from show) or unique text; undo=true unticks.")
    def tick(story: str, items: list[str], undo: bool = False) -> Any:
        return run(["tick", *(["--undo"] if undo else []), "--", story, *items])

    @tool("Add a one-line dated note to the story's Handoff Notes.")
    def note(story: str, text: str) -> Any:
        return run(["note", "--", story, text])

    @tool("Complete a green story: re-run its tests, require its items ticked, mark done, commit it "
          "with what is staged (git add your work first).")
    def complete(story: str) -> Any:
        return run(["complete", story], tail=True)

    @tool("The CI gate over every story: findings with file, line, code and message.")
    def check() -> Any:
        return run(["check"])

    return mcp
