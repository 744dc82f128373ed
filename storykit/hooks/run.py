"""``storykit hook TOOL EVENT``: one agent-tool hook call, answered in the tool's form.

It runs on every file edit an agent makes, so it is started before click and reads
only what it needs: the config, this worktree's active story, the file being edited.
A hook that breaks never blocks the agent: bad input or an unexpected error allows
the action with one line on stderr and exit 0.  (Exit 2 is not used for bad usage
here either: every supported tool reads exit 2 as "block".)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit.hooks import tools

if TYPE_CHECKING:
    from storykit.project.config import Config

USAGE = (f"usage: storykit hook TOOL EVENT (TOOL: {', '.join(tools.TOOLS)}; EVENT: {', '.join(tools.EVENTS)}); "
         f"'storykit setup TOOL' installs the hooks")
PRIME_WORDS = 300


def main(args: list[str], stdin: bytes | None = None) -> int:
    if len(args) != 2 or args[0] not in tools.TOOLS or args[1] not in tools.EVENTS:
        sys.stderr.write(f"storykit hook: {USAGE}\n")
        return 1
    tool, event = args
    raw = sys.stdin.buffer.read() if stdin is None else stdin
    try:
        payload = json.loads(raw.decode("utf-8", "replace") or "null")
    except ValueError as exc:
        return _broken(tool, event, f"its input is not JSON ({exc})")
    if not isinstance(payload, dict):
        return _broken(tool, event, f"its input is a JSON {type(payload).__name__}, not an object")
    expected = tools.EVENT_NAMES[tool][event]
    got = payload.get("hook_event_name")
    if isinstance(got, str) and got != expected:
        return _broken(tool, event, f"it was called for {tools.NAMES[tool]}'s {got} event, but "
                                    f"'{event}' answers {expected}: run 'storykit setup {tool}' again")
    try:
        kind, message = answer(tool, event, payload)
    except tools.PayloadError as exc:
        return _broken(tool, event, f"{exc} (not {tools.NAMES[tool]}'s documented {expected} input)")
    except Exception as exc:  # noqa: BLE001 - a broken hook must never stop the agent
        from storykit.errors import StorykitError

        what = str(exc) if isinstance(exc, StorykitError) else f"{type(exc).__name__}: {exc}"
        return _broken(tool, event, what)
    out, code = tools.render(tool, event, kind, message)
    sys.stdout.write(out)
    return code


def _broken(tool: str, event: str, why: str) -> int:
    sys.stderr.write(f"storykit hook {tool} {event}: {why}; allowed without checking\n")
    sys.stdout.write(tools.render(tool, event, "allow", "")[0])
    return 0


def answer(tool: str, event: str, payload: dict[str, Any]) -> tuple[str, str]:
    """(kind, message) for one hook call; see tools.render for the kinds."""
    from storykit.errors import StorykitError
    from storykit.project import config as config_mod

    start = Path(tools.start_dir(tool, payload))
    try:
        found = config_mod.find_root(start.resolve())
    except StorykitError:
        found = None
    if found is None:
        return "allow", ""  # not a storykit project: not ours to judge
    config = config_mod.load(found[0])
    if event == "pre-edit":
        return pre_edit(tool, payload, config, start)
    if event == "session-start":
        return "context", prime(config)
    return stop(tool, payload, config)


# -- before an edit -------------------------------------------------------------------------

def story_file(config: Config, story_id: str) -> Path | None:
    """The active story's file, found by its name (no other story is read)."""
    try:
        names = os.listdir(config.stories_path)
    except OSError:
        return None
    wanted = story_id.upper()
    for name in sorted(names):
        upper = name.upper()
        if upper.endswith(".MD") and (upper.startswith(wanted + "-") or upper == wanted + ".MD"):
            return config.stories_path / name
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def pre_edit(tool: str, payload: dict[str, Any], config: Config, start: Path) -> tuple[str, str]:
    from storykit.actions.claims import active_id
    from storykit.hooks import guard

    if config.guard == "off":
        return "allow", ""
    root = config.root.resolve()
    stories = config.stories_path.resolve()
    active = active_id(config)
    active_meta: dict[str, Any] | None = None
    reasons = []
    for edit in tools.edits(tool, payload):
        path = Path(edit.path)
        path = (path if path.is_absolute() else start / path).resolve()
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            continue  # outside the project
        if rel == config.tracker:
            reasons.append(f"{rel} is generated from the stories: 'storykit tracker' rewrites it, "
                           f"never edit it by hand")
            continue
        if path.parent == stories and path.suffix == ".md" and edit.kind != "delete":
            before = _read(path)
            after = tools.apply(edit, before)
            if after is None:
                reasons.append(f"storykit cannot tell what this edit does to {rel}: edit the story with "
                               f"old/new text (or write it whole) so its storykit-owned regions can be checked")
                continue
            why = guard.owned_change(_story_name(path), before, after, path)
            if why:
                reasons.append(f"{rel}: {why}")
            continue
        if active is None:
            continue
        if active_meta is None:
            active_meta = _active_meta(config, active)
            if active_meta is None:
                active = None  # the active story is gone (renumbered, deleted): nothing to guard
                continue
        if guard.before_red(active_meta) and not guard.safe_before_red(rel, active_meta, config.stories_dir):
            reasons.append(guard.tdd_reason(active, active_meta, rel))
    if not reasons:
        return "allow", ""
    message = reasons[0] if len(reasons) == 1 else "; ".join(dict.fromkeys(reasons))
    return ("deny" if config.guard == "strict" else "warn"), message


def _story_name(path: Path) -> str:
    stem = path.stem
    parts = stem.split("-")
    return "-".join(parts[:2]) if len(parts) >= 2 and parts[1].isdigit() else stem


def _active_meta(config: Config, story_id: str) -> dict[str, Any] | None:
    """The active story's ``status``, ``tests`` and whether it has a red run."""
    from storykit.errors import StorykitError

    path = story_file(config, story_id)
    if path is None:
        return None
    text = _read(path)
    quick = quick_meta(text) if text is not None else None
    if quick is not None:
        return quick
    from storykit.story.model import load_meta

    try:
        return load_meta(path)
    except (StorykitError, OSError, UnicodeDecodeError):
        return None


def quick_meta(text: str) -> dict[str, Any] | None:
    """The front matter of a story in the exact layout storykit writes, read by
    ``storykit.story.frontmatter`` (no YAML parser: importing one is most of a hook's
    time); None for anything else, which is then read with the YAML parser."""
    from storykit.story import frontmatter

    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    meta = frontmatter.load(text[4:end + 1]) if end >= 0 else None
    if meta is None or not isinstance(meta.get("status"), str):
        return None
    return {**meta, "tests": list(meta.get("tests") or []), "runs": dict(meta.get("runs") or {})}


# -- session start ---------------------------------------------------------------------------

RULES = ("The cycle: write the story's tests first; 'storykit run-tests ID' must record them failing (red); "
         "implement until 'storykit run-tests ID' records them passing (green); tick the boxes you really did; "
         "'storykit complete ID' re-runs, records and commits. Never edit a story's status, runs, Status line, "
         "Test Results or the tracker by hand: storykit writes them from real runs (the edit guard denies it). "
         "Exit 1 = refused (the reason says what to do); 2 = bad input.")


def next_command(story_id: str, meta: dict[str, Any], unticked: int | None) -> str:
    from storykit.hooks import guard

    status = meta.get("status")
    if guard.before_red(meta):
        tests = ", ".join(str(t) for t in meta.get("tests") or []) or "its tests"
        return f"write its failing tests ({tests}), then 'storykit run-tests {story_id}'"
    if status == "red":
        return f"implement until its tests pass, then 'storykit run-tests {story_id}'"
    if status in ("green", "validated"):
        if unticked:
            return f"tick the {unticked} box(es) you really did, then 'storykit complete {story_id}'"
        return f"'storykit complete {story_id}'"
    return f"it is done: 'storykit release {story_id}', then pick the next one with 'storykit start ID'"


def prime(config: Config) -> str:
    """What an agent should know when its session starts, in at most ~300 words."""
    from storykit.actions.claims import active_id
    from storykit.core import graph
    from storykit.project.store import Project

    lines = [f"This project tracks its work as storykit stories ({config.stories_dir}/) that enforce TDD."]
    active = active_id(config)
    path = story_file(config, active) if active else None
    if active and path is not None:
        from storykit.story.model import load

        story = load(path)
        left = _unticked(story.body) if story.status in ("green", "validated") else None
        lines.append(f"Active story (this worktree): {story.id} \"{story.title}\", status {story.status}. "
                     f"Next: {next_command(story.id, story.meta, left)}. Read it: 'storykit show {story.id}'.")
    else:
        lines.append("No story is active in this worktree: claim one with 'storykit start ID' "
                     "(it also arms the edit guard).")
    project = Project(config)
    entries = {e.id: e for e in project.entries()}
    deps, status = graph.from_entries(entries.values())
    ready = [s for s in graph.ready(deps, status) if not entries[s].meta.get("claimed_by")]
    if ready:
        shown = "; ".join(f"{s} {entries[s].meta.get('title')}" for s in ready[:5])
        more = f" (and {len(ready) - 5} more: 'storykit next')" if len(ready) > 5 else ""
        lines.append(f"Ready to start: {shown}{more}.")
    else:
        lines.append("No unclaimed story is ready to start ('storykit next --all' shows the claimed ones).")
    lines.append(RULES)
    text = "\n".join(lines)
    words = text.split(" ")
    return text if len(words) <= PRIME_WORDS else " ".join(words[:PRIME_WORDS]) + " ..."


def _unticked(body: str) -> int:
    from storykit.story.outline import Outline

    outline = Outline(body)
    count = 0
    for name in ("Tasks", "Acceptance Criteria", "Completion Checklist"):
        span = outline.section(name)
        if span is not None:
            count += sum(1 for box in outline.unticked(*span) if "<!-- storykit:" not in box.text)
    return count


# -- stop ------------------------------------------------------------------------------------

def stop(tool: str, payload: dict[str, Any], config: Config) -> tuple[str, str]:
    """Remind the agent, once, of what is left of the active story before it stops."""
    from storykit.actions.claims import active_id

    if tools.stop_repeat(tool, payload):
        return "allow", ""
    active = active_id(config)
    path = story_file(config, active) if active else None
    if path is None:
        return "allow", ""
    from storykit.story.model import load

    story = load(path)
    if story.status not in ("green", "validated"):
        return "allow", ""
    message = _stale(config, story.id, story.meta)
    if message is None and _unticked(story.body) == 0:
        message = (f"{story.id} is {story.status} and every box is ticked, but it is not done: run "
                   f"'storykit complete {story.id}' (it re-runs the tests, records and commits) before you stop")
    if message is None:
        return "allow", ""
    # Once per session and message, whatever the tool's own loop guard says.
    told = config.state_path / "hook-stop"
    mark = f"{tools.session_id(payload)}\t{message}\n"
    if _read(told) == mark:
        return "allow", ""
    from storykit.project.files import write_text_atomic

    write_text_atomic(told, mark)
    return "block", message


def _stale(config: Config, story_id: str, meta: dict[str, Any]) -> str | None:
    from storykit.story import evidence

    runs = meta.get("runs") or {}
    green = runs.get("green") if isinstance(runs, dict) else None
    if not isinstance(green, dict) or not green.get("digest"):
        return None
    files = evidence.test_files(meta, green)
    if evidence.digest(config.root, files) == green["digest"]:
        return None
    return (f"{story_id}'s tests ({', '.join(files)}) changed since its passing run was recorded: run "
            f"'storykit run-tests {story_id}' to record them again before you stop")
