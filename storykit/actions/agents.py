"""The storykit section of AGENTS.md (and CLAUDE.md where one exists).

Coding agents read these files before they work.  storykit owns only the lines
between its two markers; every other byte of the files is left as it was, and
running ``storykit init --agents`` again refreshes the section in place.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from storykit.errors import StorykitError

if TYPE_CHECKING:
    from storykit.project.config import Config

START = "<!-- storykit:agents:start -->"
END = "<!-- storykit:agents:end -->"
FILES = ("AGENTS.md", "CLAUDE.md")  # AGENTS.md is created; CLAUDE.md only updated when present

SECTION = """\
{start}
## Story workflow (storykit)

Work in this repository is tracked as story files in `{stories}/`, and storykit
enforces each story's test-driven cycle. Follow it for every change:

1. Pick the next story: `storykit next --json`; claim it with `storykit start STORY-ID` (another
   agent's claim is refused: pick another), read it with `storykit show STORY-ID --json` and open
   its file. New work gets a story first: `storykit new TEMPLATE --title "..." --tests PATH`.
2. Write the story's tests first; they must fail.
3. `storykit run-tests STORY-ID` records the real failing output (status red). A run that
   passes before any failing run is refused: write a failing test.
4. Implement until the tests pass.
5. `storykit run-tests STORY-ID` records the passing output (status green).
6. Tick the boxes in Tasks, Acceptance Criteria and Completion Checklist that you really did.
7. `storykit complete STORY-ID` re-runs the tests, records completion, regenerates
   `{tracker}` and commits. The story is done only when this command succeeds; then
   `storykit release STORY-ID`.

Rules:
- Never edit a story's `status`, its `runs`, its Test Results section or `{tracker}`
  by hand: storykit writes them from real test runs.
- Exit code 1 means the workflow refused (the reason says what to do); 2 means bad input.
- `--json` on `list`, `show`, `next`, `check`, `run-tests`, `complete`, `start` and `release` prints one JSON
  document on stdout (fields: docs/json.md in the storykit repository).
{end}
"""


def section(config: Config) -> str:
    """The section's text (LF newlines), the same bytes for the same config."""
    return SECTION.format(start=START, end=END, stories=config.stories_dir, tracker=config.tracker)


def updated(text: str, block: str, name: str) -> str:
    """``text`` with the storykit section replaced, or appended when it has none."""
    newline = "\r\n" if "\r\n" in text else "\n"
    block = block.replace("\n", newline)
    starts = [m.start() for m in re.finditer(re.escape(START), text)]
    ends = [m.end() for m in re.finditer(re.escape(END), text)]
    if not starts and not ends:
        if not text:
            return block
        separator = newline if text.endswith(("\n", "\r")) else newline * 2
        return text + separator + block
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise StorykitError(f"{name}: the storykit markers are not one '{START}' followed by one '{END}'",
                            hint="fix or remove the markers, then run 'storykit init --agents' again")
    # The block ends with a line ending: it replaces the one that followed the old end marker.
    tail = re.sub(r"\A(?:\r\n|\r|\n)", "", text[ends[0]:])
    return text[:starts[0]] + block + tail


def write(config: Config, top: Path) -> list[str]:
    """Write or refresh the section in ``top``/AGENTS.md and an existing CLAUDE.md.

    Both new texts are computed before either file is written (a bad marker in one
    changes neither); each write is atomic.  Returns the files that changed.
    """
    from storykit.project.files import write_text_atomic
    from storykit.story.model import read_text

    block = section(config)
    plans = []
    for name in FILES:
        path = top / name
        if not path.is_file() and name != "AGENTS.md":
            continue
        text = read_text(path) if path.is_file() else ""
        plans.append((path, updated(text, block, name)))
    return [path.name for path, text in plans if write_text_atomic(path, text)]
