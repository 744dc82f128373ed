"""Any test runner through test_command: a Node project going red -> green -> done
with Node's built-in runner (node 20+ on PATH), results read from the JUnit XML it
writes (issue 6)."""

from __future__ import annotations

import pytest
import yaml

from conftest import MATH_TESTS, NODE_COMMAND, Project
from conftest import NODE_IMPLEMENTATION as IMPLEMENTATION
from conftest import NODE_STUB as STUB

def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


@pytest.fixture
def node_project(project: Project) -> Project:
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + f'test_command = "{NODE_COMMAND}"\n')
    project.write("math.js", STUB)
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "node project")
    return project


def test_node_story_goes_red_green_done(node_project: Project) -> None:
    p = node_project
    assert p.new(tests="test/math.test.js").exit_code == 0
    p.write("test/math.test.js", MATH_TESTS)

    red = p.sk("run-tests", "1")
    assert red.exit_code == 0, red.output
    assert "✖ adds" in red.stdout  # node's own spec output, streamed
    assert "STORY-001 is red: 2 of 2 tests fail" in red.stdout
    from storykit.story.model import load

    meta = front(p.story())
    assert meta["status"] == "red"
    assert load(p.story_path()).runs["red"]["tests"] == {
        "test::adds": "failed testCodeFailure: not implemented",
        "multiplication::test::multiplies": "failed testCodeFailure: Expected values to be strictly equal:0 !== 6"}
    assert "| `test::adds` | failed | testCodeFailure: not implemented |" in p.story()
    assert meta["runs"]["red"]["command"] == (
        "node --test --test-reporter=junit --test-reporter-destination={junit} "
        "--test-reporter=spec --test-reporter-destination=stdout test/math.test.js")
    assert "Error: not implemented" in p.story()  # the real failing output, in Step 2

    p.write("math.js", IMPLEMENTATION)
    green = p.sk("run-tests", "1")
    assert green.exit_code == 0, green.output
    assert "STORY-001 is green: 2 of 2 tests pass" in green.stdout
    story = p.story()
    assert front(story)["runs"]["green"]["counts"] == {"passed": 2}
    assert "- Tests: 2 passed, 2 total" in story
    assert "- Files modified: `math.js`" in story

    p.tick_all()
    p.git("add", "math.js", "test/math.test.js")
    done = p.sk("complete", "1")
    assert done.exit_code == 0, done.output
    assert front(p.story())["status"] == "done"
    assert p.git("log", "-1", "--format=%s").strip() == "feat: Add feature (STORY-001)"


def test_node_passing_before_red_is_refused(node_project: Project) -> None:
    p = node_project
    p.write("math.js", IMPLEMENTATION)
    p.new(tests="test/math.test.js")
    p.write("test/math.test.js", MATH_TESTS)
    before = p.snapshot()
    result = p.run("run-tests", "1")
    assert result.exit_code == 1
    assert "Refused: tests pass before any implementation: write a failing test first (2 passed" in result.stderr
    assert p.snapshot() == before


def test_node_test_file_that_cannot_load_is_not_red(node_project: Project) -> None:
    p = node_project
    p.new(tests="test/math.test.js")
    p.write("test/math.test.js", "const { add } = require('../missing.js');\n" + MATH_TESTS)
    before = p.snapshot()
    result = p.run("run-tests", "1")
    assert result.exit_code == 1
    assert "Refused: 1 test file(s) could not be collected (test/math.test.js): fix them first" in result.stderr
    assert p.snapshot() == before


def test_command_without_junit_output_is_reported_not_passed(node_project: Project) -> None:
    """A test_command that writes no JUnit XML proves nothing, even when it exits 0."""
    p = node_project
    p.write("math.js", IMPLEMENTATION)
    p.new(tests="test/math.test.js")
    p.write("test/math.test.js", MATH_TESTS)
    story = p.story_path()
    story.write_text(story.read_text().replace("min_tests: 2\n", "min_tests: 2\ntest_command: node --test {tests}\n"))
    before = p.snapshot()
    result = p.run("run-tests", "1")  # the story's own test_command overrides the config's
    assert result.exit_code == 1
    assert ("Refused: the test command exited 0 without writing JUnit XML to {junit} (it failed to start, or "
            "test_command does not pass {junit} to the runner's JUnit reporter); nothing was recorded") in result.stderr
    assert p.snapshot() == before


def test_unknown_test_command_is_a_clear_error(node_project: Project) -> None:
    p = node_project
    config = p.root / "storykit.toml"
    config.write_text(config.read_text().replace(f'test_command = "{NODE_COMMAND}"', 'test_command = "nodeX {tests}"'))
    p.new(tests="test/math.test.js")
    result = p.run("run-tests", "1")
    assert result.exit_code == 2
    assert result.stderr == ("Error: the test command 'nodeX' was not found; "
                             "install it, or fix test_command in the config\n")
