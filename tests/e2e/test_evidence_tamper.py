"""A hand-edited evidence file stops run-tests and complete before any test runs
(issue 11): the rules reading per-test records never run on records that do not match
their digest."""

from __future__ import annotations

from conftest import Project

FAILING = "def test_a():\n    assert False\n\n\ndef test_b():\n    assert False\n"


def tampered(project: Project) -> None:
    evidence = project.root / "stories" / ".evidence" / (project.story_path().stem + ".json")
    text = evidence.read_text()
    assert '"tests/test_feature.py::test_b", "failed"' in text
    evidence.write_text(text.replace('"tests/test_feature.py::test_b", "failed"',
                                     '"tests/test_feature.py::test_b", "passed"'))


def test_run_tests_refuses_an_edited_evidence_file(project: Project) -> None:
    assert project.new().exit_code == 0
    project.write("tests/test_feature.py", FAILING)
    assert project.run("run-tests", "1").exit_code == 0
    tampered(project)
    project.write("tests/test_feature.py", "def test_a():\n    assert True\n\n\ndef test_c():\n    assert True\n")
    before = project.snapshot()
    result = project.run("run-tests", "1")
    assert result.exit_code == 1
    name = project.story_path().stem
    assert result.stderr.startswith(f"Refused: STORY-001: the per-test records of the red run in "
                                    f"stories/.evidence/{name}.json do not match the digest in the front matter")
    assert "passed" not in result.stdout  # no test ran
    assert project.snapshot() == before


def test_complete_refuses_an_edited_evidence_file(project: Project) -> None:
    assert project.new().exit_code == 0
    project.write("tests/test_feature.py", FAILING)
    assert project.run("run-tests", "1").exit_code == 0
    project.write("tests/test_feature.py", FAILING.replace("False", "True"))
    assert project.run("run-tests", "1").exit_code == 0
    project.tick_all()
    tampered(project)
    before = project.snapshot()
    result = project.run("complete", "1", "--no-commit")
    assert result.exit_code == 1
    assert "do not match the digest in the front matter" in result.stderr
    assert project.snapshot() == before
