"""Stories written before the evidence file (per-test records in the front matter) keep
working, and `storykit migrate` moves them to the new form (issue 11)."""

from __future__ import annotations

import json

import yaml

from conftest import Project


def legacy(project: Project) -> None:
    """Turn the story into the form storykit wrote before: per-test records inline."""
    path = project.story_path()
    text = path.read_text()
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    evidence = project.root / "stories" / ".evidence" / (path.stem + ".json")
    runs = json.loads(evidence.read_text())["runs"]
    for phase, run in meta["runs"].items():
        run.pop("evidence", None)
        if phase in runs:
            run["tests"] = {n: o if not why else f"{o} {why}" for n, o, why in runs[phase]}
    evidence.unlink()
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000) + "---\n" + body)


def test_a_legacy_story_keeps_working_and_migrates(project: Project) -> None:
    p = project
    assert p.new().exit_code == 0
    p.tests_file("f", failing=2, passing=1)
    assert p.run("run-tests", "1").exit_code == 0
    legacy(p)
    assert "tests/test_feature.py::test_f_0: failed AssertionError" in p.story()
    assert p.run("check").exit_code == 0
    # The rule reading red's per-test records works from the inline form.
    p.write("tests/test_feature.py", "def test_f_1():\n    assert True\n\n\ndef test_f_2():\n    assert True\n")
    before = p.snapshot()
    refused = p.run("run-tests", "1")
    assert refused.exit_code == 1 and "1 test(s) that failed at red did not run now" in refused.output
    assert p.snapshot() == before
    p.git("add", "-A")
    p.git("commit", "-q", "-m", "legacy story")

    migrated = p.run("migrate")
    assert migrated.exit_code == 0, migrated.output
    name = p.story_path().name
    assert migrated.stdout == (f"migrated stories/{name}: 1 run(s), 3 per-test record(s) -> "
                               f"stories/.evidence/{p.story_path().stem}.json\n")
    story = p.story()
    assert "test_f_0" not in story.split("\n---\n", 1)[0]
    assert "| `tests/test_feature.py::test_f_0` | failed | AssertionError |" in story
    assert p.run("check").exit_code == 0
    again = p.snapshot()
    second = p.run("migrate")
    assert second.exit_code == 0 and second.stdout == "nothing to migrate: every story is in the current form\n"
    assert p.snapshot() == again
