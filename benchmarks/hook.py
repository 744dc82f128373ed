"""The agent hooks' cost: ``storykit hook`` on a 1,000-story project (issue 13).

A coding agent runs ``storykit hook TOOL pre-edit`` before every file edit, so it must
answer in well under 100 ms.  Measured side by side with ``python -c pass`` (the floor
of any Python command), in a project built like bench.py's (real seed stories, 40%
done): the guard denying an implementation edit before red, the guard simulating an
edit of the active story's file, and (once per session, for information) the session
prime, which reads every story's front matter.

    python benchmarks/hook.py            # 1,000 stories, 30 rounds
    python benchmarks/hook.py --quick    # 5 rounds
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import build
from bench import Bench, Row


def timed(args: list[str], cwd: Path, env: dict[str, str], payload: str, expect: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=env, input=payload.encode(), capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or expect not in proc.stdout.decode():
        raise RuntimeError(f"{' '.join(args)} answered {proc.returncode}: {proc.stdout!r} {proc.stderr!r}")
    return elapsed


def measure(bench: Bench, root: Path, size: int, repeats: int) -> None:
    story = next(p for p in sorted((root / "stories").glob("*.md")) if "\nstatus: not-started\n" in p.read_text())
    story_id = story.name[:9]
    build.run([bench.storykit, "start", story_id, "--agent", "bench"], root, bench.env)
    common = {"session_id": "bench", "transcript_path": "/dev/null", "cwd": str(root), "permission_mode": "default"}
    deny = json.dumps({**common, "hook_event_name": "PreToolUse", "tool_name": "Write",
                       "tool_input": {"file_path": str(root / "src" / "app.py"), "content": "x = 1\n"}})
    tick = json.dumps({**common, "hook_event_name": "PreToolUse", "tool_name": "Edit",
                       "tool_input": {"file_path": str(story), "old_string": "- [ ] ", "new_string": "- [x] "}})
    prime = json.dumps({**common, "hook_event_name": "SessionStart", "source": "startup"})
    here = bench.workdir
    hook = [bench.storykit, "hook", "claude"]
    base, denied, ticked, primed = bench.side_by_side(
        repeats,
        lambda: bench.time([bench.python, "-c", "pass"], here),
        lambda: timed([*hook, "pre-edit"], root, bench.env, deny, '"deny"'),
        lambda: timed([*hook, "pre-edit"], root, bench.env, tick, ""),
        lambda: timed([*hook, "session-start"], root, bench.env, prime, "additionalContext"),
    )
    absolute = lambda row: statistics.median(row.ours) < 0.1  # noqa: E731
    bench.rows += [
        Row(f"hook: `storykit hook claude pre-edit`, implementation edit denied before red, {size:,} stories",
            "`python -c pass`", base, denied, "ms", "< 100 ms", absolute),
        Row(f"hook: `storykit hook claude pre-edit`, edit of the active story's file checked, {size:,} stories",
            "`python -c pass`", base, ticked, "ms", "< 100 ms", absolute),
        Row(f"hook: `storykit hook claude session-start` (once a session), {size:,} stories",
            "`python -c pass`", base, primed, "ms", "(information)"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (CI)")
    parser.add_argument("--size", type=int, default=1000, help="stories in the project (default 1000)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="storykit-bench-hook-"))
    bench = Bench(args.quick, workdir)
    try:
        seeds = build.make_seeds(workdir, bench.storykit, bench.env)
        root = workdir / f"stories-{args.size}"
        build.build_project(root, args.size, seeds, bench.storykit, bench.env)
        bench.time([bench.storykit, "list"], root)  # the front-matter cache, as after any earlier command
        measure(bench, root, args.size, 5 if args.quick else 30)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"bench: a command failed: {exc}", file=sys.stderr)
        return 1
    finally:
        print(bench.report())
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
