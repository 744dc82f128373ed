"""`storykit validate` and validation inside `complete`, end to end: real git repos,
real pytest runs, real validation commands (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import Project, copy_of, prepared

LINT_OK = """python -c "print('lint: all checks passed')\""""
LINT_FAILS = """python -c "import sys; print('app.py:1: E501 line too long'); sys.exit(3)\""""
TAGGED = "- [ ] Linters pass <!-- storykit:validated -->\n"


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def configure(project: Project, *commands: str) -> None:
    # A JSON string is a TOML basic string too.
    project.write("storykit.toml", project.read("storykit.toml") + f"validate = {json.dumps(list(commands))}\n")


def _build_green(project: Project) -> None:
    assert project.new().exit_code == 0
    path = project.story_path()
    text = path.read_text(encoding="utf-8")
    # A tagged item in Phase 3: storykit ticks it once validation has really passed.
    path.write_text(text.replace("### Phase 3: Validation\n", "### Phase 3: Validation\n" + TAGGED), encoding="utf-8")
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0


@pytest.fixture(scope="module")
def green_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _build_green)


@pytest.fixture
def green(green_template: Path, tmp_path: Path) -> Project:
    """STORY-001 green (2 tests), with a `storykit:validated` tagged item; committed."""
    return copy_of(green_template, tmp_path)


def test_validate_without_commands_says_so_and_changes_nothing(green: Project) -> None:
    before = green.snapshot()
    result = green.run("validate", "1")
    assert result.exit_code == 1
    assert result.stderr == (
        "Refused: STORY-001 has no validation commands; list them in its front matter (validate: [\"ruff check .\"]) "
        "or in the config (validate = [\"ruff check .\"]); without any, 'storykit complete' goes green -> done\n")
    assert green.snapshot() == before


def test_validate_moves_green_to_validated_with_the_output(green: Project) -> None:
    configure(green, LINT_OK, "python -c \"print('types ok')\"")
    result = green.run("validate", "STORY-001")
    assert result.exit_code == 0, result.output
    assert "lint: all checks passed" in result.stdout  # shown live
    assert result.stdout.endswith("storykit: STORY-001 is validated (2 command(s) passed); "
                                  "recorded in stories/STORY-001-add-feature.md\n")
    story = green.story()
    meta = front(story)
    assert meta["status"] == "validated"
    record = meta["runs"]["validate"]
    assert [(c["command"], c["exit_code"]) for c in record["commands"]] == [(LINT_OK, 0),
                                                                             ("python -c \"print('types ok')\"", 0)]
    assert record["commit"] == green.git("rev-parse", "HEAD").strip()
    assert "**Status:** 🔵 Validated" in story
    assert "**Validation** ✅" in story
    assert f"- `{LINT_OK}`: exit code 0" in story
    block = story.split("```text validate\n", 1)[1].split("```", 1)[0]
    assert block == f"$ {LINT_OK}\nlint: all checks passed\n[exit code 0]\n\n$ python -c \"print('types ok')\"\n" \
                    "types ok\n[exit code 0]\n"
    assert "- [x] Linters pass <!-- storykit:validated -->" in story
    assert "| 🔵 Validated | 1 |" in green.read("STORY_TRACKER.md")
    check = green.run("check")
    assert check.exit_code == 0, check.output


def test_passing_tests_again_keep_a_validated_story_valid_for_check(green: Project) -> None:
    configure(green, LINT_OK)
    assert green.run("validate", "1").exit_code == 0
    again = green.run("run-tests", "1")
    assert again.exit_code == 0, again.output
    assert "STORY-001 is still validated" in again.stdout
    result = green.run("check")
    assert result.exit_code == 0, result.output


def test_failing_validation_blocks_shows_output_and_changes_nothing(green: Project) -> None:
    configure(green, LINT_FAILS, LINT_OK)
    before = green.snapshot()
    result = green.run("validate", "1")
    assert result.exit_code == 1
    assert "app.py:1: E501 line too long" in result.stdout
    assert "lint: all checks passed" not in result.stdout  # the first failure stops the run
    assert result.stderr == (f"Refused: STORY-001 not validated: `{LINT_FAILS}` exited 3 (full log: "
                             ".storykit/logs/STORY-001-validate.log); fix what it reports (its output is above) and "
                             "validate again\n")
    assert green.snapshot() == before
    assert "E501 line too long" in green.read(".storykit/logs/STORY-001-validate.log")


def test_story_commands_override_the_config(green: Project) -> None:
    configure(green, LINT_FAILS)
    path = green.story_path()
    path.write_text(path.read_text(encoding="utf-8").replace("min_tests: 2\n", f"min_tests: 2\nvalidate: "
                                                             f"{json.dumps([LINT_OK])}\n"), encoding="utf-8")
    assert front(green.story())["validate"] == [LINT_OK]
    result = green.run("validate", "1")
    assert result.exit_code == 0, result.output


def test_validate_refuses_a_story_that_is_not_green(project: Project) -> None:
    configure(project, LINT_OK)
    assert project.new().exit_code == 0
    result = project.run("validate", "1")
    assert result.exit_code == 1
    assert result.stderr.startswith("Refused: STORY-001 is not-started; only a green story can be validated")


def test_complete_validates_a_green_story_first(green: Project) -> None:
    configure(green, LINT_OK)
    green.tick_all()
    path = green.story_path()
    path.write_text(path.read_text(encoding="utf-8").replace("- [x] Linters pass", "- [ ] Linters pass"),
                    encoding="utf-8")
    green.git("add", "-A")
    result = green.run("complete", "1")
    assert result.exit_code == 0, result.output
    assert "lint: all checks passed" in result.stdout
    assert "storykit: validated first: 1 command(s) passed" in result.stdout
    story = green.story()
    meta = front(story)
    assert meta["status"] == "done"
    assert meta["runs"]["validate"]["commands"][0]["exit_code"] == 0
    assert "```text validate" in story
    assert "- [x] Linters pass <!-- storykit:validated -->" in story
    assert green.git("status", "--porcelain") == ""
    assert green.run("check").stdout.count("SK504") == 0


def test_complete_refuses_when_validation_fails(green: Project) -> None:
    configure(green, LINT_FAILS)
    green.tick_all()
    before = green.snapshot()
    head = green.git("rev-parse", "HEAD")
    result = green.run("complete", "1")
    assert result.exit_code == 1
    assert "app.py:1: E501 line too long" in result.stdout
    assert result.stderr.startswith(f"Refused: STORY-001 not completed: validation failed: `{LINT_FAILS}` exited 3")
    assert green.snapshot() == before
    assert green.git("rev-parse", "HEAD") == head


def test_complete_without_commands_goes_green_to_done(green: Project) -> None:
    path = green.story_path()
    path.write_text(path.read_text(encoding="utf-8").replace("- [ ]", "- [x]").replace(
        "- [x] Linters pass", "- [ ] Linters pass"), encoding="utf-8")
    green.git("add", "-A")
    result = green.run("complete", "1")
    assert result.exit_code == 0, result.output
    story = green.story()
    assert "validate" not in front(story)["runs"]
    assert "**Validation**" not in story
    # Nothing was validated, so the validated item is honestly left unticked.
    assert "- [ ] Linters pass <!-- storykit:validated -->" in story


def test_a_validated_story_is_completed_without_validating_again(green: Project) -> None:
    configure(green, LINT_OK)
    assert green.run("validate", "1").exit_code == 0
    at = front(green.story())["runs"]["validate"]["at"]
    green.tick_all()
    green.git("add", "-A")
    result = green.run("complete", "1")
    assert result.exit_code == 0, result.output
    assert "validated first" not in result.stdout
    assert front(green.story())["runs"]["validate"]["at"] == at
