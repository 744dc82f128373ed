"""Templates: the built-in schema-migration story renders the seed's whole document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import Project
from storykit.story.markdown import Document

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-schema-migration.md"
TAG = re.compile(r"\s*<!-- storykit:[\w-]+ -->")


def checklist(text: str) -> list[str]:
    doc = Document(text)
    return [TAG.sub("", box.text) for box in doc.checkboxes()]


def test_schema_migration_has_every_section_of_the_seed_in_order(project: Project) -> None:
    assert project.run("new", "schema-migration", "--title", "Add tags table",
                       "--tests", "tests/test_tags.py").exit_code == 0
    story = Document(project.story())
    seed = Document(SEED.read_text(encoding="utf-8"))
    assert story.titles(2) == seed.titles(2)
    assert story.titles(3) == seed.titles(3)
    assert [h.title for h in story.headings if h.level == 4] == [h.title for h in seed.headings if h.level == 4]


def test_schema_migration_has_every_checklist_item_of_the_seed(project: Project) -> None:
    project.run("new", "schema-migration", "--title", "Add tags table", "--tests", "tests/unit/migration.test.ts")
    ours = checklist(project.story())
    seed = checklist(SEED.read_text(encoding="utf-8"))
    # The seed's commit line is filled with this story's message; every other item is verbatim.
    seed = [s.replace('"feat: [Schema Description] (STORY-[ID])"', '"feat: Add tags table (STORY-001)"') for s in seed]
    assert ours == seed


def test_header_values_fill_the_header_and_placeholders_stay_visible(project: Project) -> None:
    project.run("new", "feature", "--title", "Base", "--tests", "tests/test_base.py")
    result = project.run("new", "schema-migration", "--title", "Add tags table", "--tests", "tests/test_tags.py",
                         "--track", "B (Data)", "--agent", "db-dev", "--estimate", "3 hours", "--depends", "1",
                         "--var", "feature=tags")
    assert result.exit_code == 0, result.output
    text = project.story("STORY-002")
    assert "# STORY-002: Add tags table\n" in text
    assert "**Track:** B (Data)\n**Agent:** db-dev\n**Time Estimate:** 3 hours\n" in text
    assert "**Dependencies:** STORY-001\n**Blocks:** None\n**Status:** 🔴 Not Started\n" in text
    assert "to support tags. This enables [business capability]" in text  # given var filled, the rest kept
    assert "[Business reason 1]" in text
    assert "- STORY-001: Base - [Why dependency exists]" in text
    # The dependency's derived Blocks line now names the new story.
    assert "**Blocks:** STORY-002\n" in project.story("STORY-001")


def test_schema_migration_defaults_come_from_the_seed(project: Project) -> None:
    project.run("new", "schema-migration", "--title", "T", "--tests", "tests/test_t.py")
    text = project.story()
    assert "**Track:** A (Backend)\n**Agent:** backend-dev\n**Time Estimate:** 1-2 hours\n" in text
    assert "min_tests: 8\n" in text
    assert "- [ ] **Minimum**: 8+ tests" in text


@pytest.mark.parametrize("template", ["feature", "bugfix", "schema-migration"])
def test_every_builtin_has_the_mandatory_tdd_sections(project: Project, template: str) -> None:
    assert project.run("new", template, "--title", "X", "--tests", "tests/test_x.py").exit_code == 0
    titles = Document(project.story()).titles(2)
    for section in ("Tasks (TDD Order)", "Acceptance Criteria", "Test Results (MANDATORY)", "Completion Checklist"):
        assert section in titles
    assert titles.index("Tasks (TDD Order)") < titles.index("Acceptance Criteria") < titles.index(
        "Test Results (MANDATORY)") < titles.index("Completion Checklist")


def test_builtins_share_the_tdd_layout_rather_than_copy_it() -> None:
    root = Path(__file__).resolve().parents[2] / "storykit" / "templates"
    for name in ("feature", "bugfix", "schema-migration"):
        text = (root / f"{name}.md.j2").read_text(encoding="utf-8")
        assert '{% extends "_story.md.j2" %}' in text
        assert "## Test Results" not in text and "#### Step 2" not in text


def test_templates_lists_builtins_with_descriptions(project: Project) -> None:
    result = project.run("templates")
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert [line.split()[0] for line in lines] == ["bugfix", "feature", "schema-migration"]
    assert all("[built-in]" in line for line in lines)


def test_project_template_overrides_and_adds(project: Project) -> None:
    project.write("templates/feature.md.j2", '{#- storykit\ndescription: "Ours"\n-#}\n{% extends "_story.md.j2" %}\n')
    project.write("templates/spike.md.j2", '{#- storykit\ndescription: "A spike"\nrequired: [question]\n-#}\n'
                  '{% extends "_story.md.j2" %}{% block context %}{{ question }}{% endblock %}\n')
    listing = project.run("templates").stdout
    assert "feature           Ours  [project]" in listing
    assert "spike             A spike  [project]" in listing
    missing = project.run("new", "spike", "--title", "Try", "--tests", "t.py")
    assert missing.exit_code == 2
    assert missing.stderr == "Error: template 'spike' needs the variable 'question'; pass --var question=VALUE\n"
    ok = project.run("new", "spike", "--title", "Try", "--tests", "t.py", "--var", "question=Can we?")
    assert ok.exit_code == 0, ok.output
    assert "Can we?" in project.story()


def test_undefined_variable_in_template_is_named(project: Project) -> None:
    project.write("templates/odd.md.j2", '{% extends "_story.md.j2" %}{% block context %}{{ owner }}{% endblock %}\n')
    result = project.run("new", "odd", "--title", "T", "--tests", "t.py")
    assert result.exit_code == 2
    assert result.stderr == "Error: template 'odd' needs the variable 'owner'; pass --var owner=VALUE\n"


def test_dry_run_prints_and_writes_nothing(project: Project) -> None:
    before = project.snapshot()
    result = project.run("new", "bugfix", "--title", "Crash on empty input", "--tests", "t.py", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith("---\nid: STORY-001\ntitle: Crash on empty input\n")
    assert "# STORY-001: Crash on empty input" in result.stdout
    assert project.snapshot() == before
