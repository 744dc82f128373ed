"""The size of a story after red and green on a large suite (issue 11).

Generates a project with N trivial pytest tests (default 620, in files of 20, one in
every 200 failing at red), takes one story through red and green with the `storykit` on
PATH (or `--storykit "python -m storykit"`), and prints the story's bytes, its front
matter's lines and the evidence file's bytes.  Run it with two storykit versions to
compare them:

    python benchmarks/story_size.py                 # the storykit installed here
    python benchmarks/story_size.py --tests 2000
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path


def run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def suite(root: Path, total: int) -> None:
    """N tests in files of 20; every tenth file's fourth test needs the implementation."""
    (root / "conftest.py").write_text("import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\n")
    (root / "app.py").write_text("READY = False\n")
    for f in range((total + 19) // 20):
        lines = ["import app\n\n\n"]
        for t in range(min(20, total - 20 * f)):
            body = "assert app.READY, 'not implemented'" if t == 3 and f % 10 == 0 else "assert True"
            lines.append(f"def test_behaviour_{f:03d}_{t:02d}_handles_the_case():\n    {body}\n\n\n")
        path = root / "tests" / "big" / f"test_module_{f:03d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=620)
    parser.add_argument("--storykit", default="storykit", help="the command to run storykit with")
    parser.add_argument("--show", action="store_true", help="print the story")
    args = parser.parse_args()
    storykit = shlex.split(args.storykit)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        env_git = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
        run(["git", "init", "-q"], root)
        run([*storykit, "init"], root)
        run([*env_git, "add", "-A"], root)
        run([*env_git, "commit", "-qm", "init"], root)
        run([*storykit, "new", "feature", "--title", "Big suite", "--tests", "tests/big"], root)
        suite(root, args.tests)
        run([*storykit, "run-tests", "1"], root)
        (root / "app.py").write_text("READY = True\n")  # the implementation
        run([*storykit, "run-tests", "1"], root)
        (story,) = (root / "stories").glob("STORY-001-*.md")
        text = story.read_text(encoding="utf-8")
        front = text.split("\n---\n", 1)[0].count("\n") + 2
        evidence = story.parent / ".evidence" / f"{story.stem}.json"
        print(f"tests: {args.tests}")
        print(f"story: {len(text.encode())} bytes, {text.count(chr(10))} lines, front matter {front} lines")
        if args.show:
            print(text)
        print(f"evidence file: {evidence.stat().st_size if evidence.exists() else 0} bytes")


if __name__ == "__main__":
    main()
