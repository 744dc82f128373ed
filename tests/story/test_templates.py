"""Templates as pure functions: the built-in ones and a project's own, their metadata,
the variables they read, rendering with every mistake named (no CLI, no git)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storykit.errors import StorykitError
from storykit.story import evidence, templates

CONTEXT = {"id": "STORY-001", "title": "Add tags", "track": "A", "agent": "dev", "estimate": "1h",
           "dependencies": [], "tests": ["tests/test_tags.py"], "min_tests": 2, "dependencies_line": "None",
           "blocks": [], "blocks_line": "None", "status_line": "🔴 Not Started", "commit_message": "feat: Add tags",
           "titles": {}, "test_results": evidence.render({"id": "STORY-001"}, {}), "completion_fields": ""}


def test_the_built_in_templates_and_their_descriptions() -> None:
    found = templates.available(None)
    assert sorted(found) == ["bugfix", "feature", "schema-migration"]
    assert all(info.builtin and info.description for info in found.values())


def test_rendering_a_built_in_template() -> None:
    text = templates.render(templates.get("feature", None), None, CONTEXT)
    assert text.startswith("# STORY-001: Add tags\n")
    assert "## Test Results (MANDATORY)\n" in text and "**Status:** 🔴 Not Started\n" in text


def test_an_unknown_template_suggests_the_closest() -> None:
    with pytest.raises(StorykitError) as info:
        templates.get("featur", None)
    assert str(info.value) == "unknown template 'featur'; did you mean 'feature'? (see 'storykit templates')"


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.md.j2").write_text(text, encoding="utf-8")


def test_a_project_template_overrides_a_built_in_one(tmp_path: Path) -> None:
    write(tmp_path, "feature", '{#- storykit\ndescription: "Ours"\n-#}\n# {{ id }}: {{ title }} ({{ owner }})\n')
    info = templates.get("feature", tmp_path)
    assert (info.description, info.builtin) == ("Ours", False)
    assert templates.variables(info, tmp_path) == ["owner"]
    assert templates.render(info, tmp_path, {**CONTEXT, "owner": "ana"}) == "# STORY-001: Add tags (ana)\n"


def test_a_missing_variable_and_a_syntax_error_are_named(tmp_path: Path) -> None:
    write(tmp_path, "odd", "{{ owner }}\n")
    with pytest.raises(StorykitError) as info:
        templates.render(templates.get("odd", tmp_path), tmp_path, CONTEXT)
    assert str(info.value) == "template 'odd' needs the variable 'owner'; pass --var owner=VALUE"
    write(tmp_path, "broken", "line one\n{{ title | }}\n")
    with pytest.raises(StorykitError) as info:
        templates.render(templates.get("broken", tmp_path), tmp_path, CONTEXT)
    assert str(info.value).startswith(f"{tmp_path / 'broken.md.j2'}:2: template syntax error: ")
