"""storykit templates names the variables each template reads (STORY-002)."""

from __future__ import annotations

from conftest import Project
from storykit.story import templates


def test_variables_of_builtin_templates() -> None:
    found = templates.available(None)
    assert templates.variables(found["feature"], None) == ["feature", "goal", "user"]
    assert templates.variables(found["schema-migration"], None) == ["capability", "feature"]
    assert templates.variables(found["bugfix"], None) == ["bug"]


def test_required_variables_are_marked(project: Project) -> None:
    project.write("templates/spike.md.j2", '{#- storykit\ndescription: "A spike"\nrequired: [question]\n-#}\n'
                  '{% extends "_story.md.j2" %}{% block context %}{{ question }} {{ risk | default("[risk]") }}'
                  '{% endblock %}\n')
    result = project.run("templates")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    spike = lines.index("spike             A spike  [project]")
    assert lines[spike + 1] == "                  variables: question (required), risk"


def test_templates_prints_variables_under_each_template(project: Project) -> None:
    lines = project.run("templates").stdout.splitlines()
    assert lines[lines.index(next(x for x in lines if x.startswith("feature"))) + 1].strip() == \
        "variables: feature, goal, user"
