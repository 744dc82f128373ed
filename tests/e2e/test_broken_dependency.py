"""``new --depends`` on a story with git conflict markers in its body (issue 10): the
dependency's Blocks line cannot be rewritten, so nothing is written at all — not the
new story first and then an error.  A real process and a real git repository."""

from __future__ import annotations

from conftest import Project
from frozen_state import state


def test_new_depending_on_a_conflicted_story_writes_nothing(project: Project) -> None:
    assert project.new().exit_code == 0
    path = project.story_path()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Context\n", "## Context\n<<<<<<< HEAD\nOurs.\n=======\nTheirs.\n"
                                 ">>>>>>> feature\n", 1), encoding="utf-8")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "a conflicted story")
    line = path.read_text(encoding="utf-8").splitlines().index("<<<<<<< HEAD") + 1
    before = state(project.root)
    result = project.sk("new", "feature", "--title", "Needs it", "--tests", "tests/test_b.py", "--depends", "1")
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"Error: stories/{path.name}:{line}: git merge conflict markers; resolve the conflict "
                             "(keep one side "
                             "and delete the <<<<<<< ======= >>>>>>> lines), then run again\n")
    assert state(project.root) == before
