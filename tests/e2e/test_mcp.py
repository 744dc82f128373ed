"""storykit mcp: an MCP server over stdio, driven by the official SDK's own client
(STORY-073).  At most 8 tools, a tools/list answer of at most 8,000 characters,
each tool answering with the CLI's own --json document, a refusal a tool error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio

from conftest import Project

# The storykit under test: the checkout this file is in, also for the processes the
# tests start (so 'storykit verify' replaying a commit runs that commit's code, not
# whichever storykit is installed).
CODE = str(Path(__file__).resolve().parents[2])


def _session(root: Path, calls: list[tuple[str, dict[str, Any]]]) -> tuple[Any, list[Any]]:
    """Start `storykit mcp` in ``root``, initialize, list the tools, make the calls."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    async def main() -> tuple[Any, list[Any]]:
        params = StdioServerParameters(command=sys.executable, args=["-m", "storykit", "mcp"], cwd=str(root),
                                       env={**os.environ, "PYTHONPATH": CODE})
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            results = [await session.call_tool(name, arguments) for name, arguments in calls]
            return tools, results

    return anyio.run(main)


def _is_error(result: Any) -> bool:
    return bool(getattr(result, "is_error", getattr(result, "isError", False)))


def _texts(result: Any) -> list[str]:
    return [item.text for item in result.content]


def test_a_session_lists_at_most_8_small_tools_and_answers_with_the_cli_documents(story: Project) -> None:
    story.tests_file("feature", failing=2)
    expected_next = json.loads(story.run("next", "--json").stdout)
    tools, (nxt, show, tick, refused, run) = _session(story.root, [
        ("next", {}),
        ("show", {"story": "STORY-001"}),
        ("tick", {"story": "1", "items": ["1", "edge cases"]}),
        ("tick", {"story": "1", "items": ["8"]}),
        ("run_tests", {"story": "1"}),
    ])
    names = [tool.name for tool in tools.tools]
    assert len(names) <= 8
    assert {"next", "show", "run_tests", "tick", "note", "complete", "check"} <= set(names)
    size = len(json.dumps(tools.model_dump(mode="json", exclude_none=True)))
    assert size <= 8000, size

    assert not _is_error(nxt)
    assert json.loads(_texts(nxt)[0]) == expected_next
    assert not _is_error(show)
    shown = json.loads(_texts(show)[0])
    assert shown["kind"] == "show" and shown["story"]["id"] == "STORY-001"

    assert not _is_error(tick)
    ticked = json.loads(_texts(tick)[0])
    assert (ticked["kind"], [c["number"] for c in ticked["changed"]]) == ("tick", [1, 5])
    assert "- [x] Read the code the feature touches" in story.story()

    assert _is_error(refused)
    assert _texts(refused) == ['Refused: item 8 of STORY-001 ("Execute test command") is ticked by storykit when '
                               "it verifies it; run 'storykit run-tests STORY-001'"]

    assert not _is_error(run)
    document, tail = _texts(run)
    recorded = json.loads(document)
    assert (recorded["kind"], recorded["status"], recorded["phase"]) == ("run-tests", "red", "red")
    assert "2 failed" in tail and len(tail.splitlines()) <= 41


def test_the_start_tool_claims_a_story_and_a_second_agent_is_refused_naming_the_holder(story: Project) -> None:
    tools, (started, refused) = _session(story.root, [
        ("start", {"story": "1", "agent": "agent-a"}),
        ("start", {"story": "STORY-001", "agent": "agent-b"}),
    ])
    assert "start" in [tool.name for tool in tools.tools]
    assert not _is_error(started)
    claim = json.loads(_texts(started)[0])
    assert (claim["kind"], claim["id"], claim["claimed_by"]) == ("start", "STORY-001", "agent-a")
    assert "claimed_by: agent-a" in story.story()
    assert _is_error(refused)
    assert _texts(refused) == [f"Refused: STORY-001 is claimed by agent-a since {claim['claimed_at']}: "
                               "pick another with 'storykit next'"]


def test_without_the_mcp_extra_it_says_how_to_install_it(story: Project, tmp_path: Path) -> None:
    blocker = tmp_path / "no-mcp" / "mcp"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('mcp is not installed')\n")
    path = os.pathsep.join([str(blocker.parent), CODE])
    proc = subprocess.run([sys.executable, "-m", "storykit", "mcp"], cwd=story.root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": path}, timeout=60, stdin=subprocess.DEVNULL)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "Error: the MCP server needs the mcp extra: pip install 'storykit[mcp]'\n"
