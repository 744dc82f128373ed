"""`complete` runs the project's whole test suite after the story's own tests
(issue 15): a change that breaks a test outside the story is refused, and the
count is recorded in the story.  Real git repositories, real pytest runs."""

from __future__ import annotations

from conftest import Project

SHARED = "def greet(name):\n    return 'hello ' + name\n"
OTHER_TESTS = "from shared import greet\n" + "".join(
    f"\n\ndef test_greet_{i}():\n    assert greet('{i}') == 'hello {i}'\n" for i in range(7))
FEATURE_TESTS = ("from feature import double\n\n\ndef test_double():\n    assert double(2) == 4\n\n\n"
                 "def test_double_zero():\n    assert double(0) == 0\n")
STUB = "def double(x):\n    raise NotImplementedError\n"
# The story's implementation also "tidies" shared.py, breaking every test of greet.
IMPLEMENTATION = "def double(x):\n    return x * 2\n"
BROKEN_SHARED = "def greet(name):\n    return 'hi ' + name\n"


def green_story(project: Project, *, break_shared: bool = True) -> None:
    """Other code with its own passing tests, then a story red -> green whose
    implementation breaks that other code."""
    project.write("shared.py", SHARED)
    project.write("tests/test_other.py", OTHER_TESTS)
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "shared code and its tests")
    assert project.new(tests="tests/test_feature.py").exit_code == 0
    project.write("tests/test_feature.py", FEATURE_TESTS)
    project.write("feature.py", STUB)
    red = project.run("run-tests", "1")
    assert red.exit_code == 0, red.output
    project.write("feature.py", IMPLEMENTATION)
    if break_shared:
        project.write("shared.py", BROKEN_SHARED)
    green = project.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    project.tick_all()
    project.git("add", "tests/test_feature.py")  # complete commits the tests that ran


def test_complete_refuses_a_change_that_breaks_a_test_outside_the_story(project: Project) -> None:
    green_story(project)
    before = project.snapshot()
    refused = project.run("complete", "1")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Refused: STORY-001 not completed: the whole suite fails: 7 of 9 test(s) fail: "
        + ", ".join(f"tests/test_other.py::test_greet_{i}" for i in range(5))
        + " and 2 more (full log: .storykit/logs/STORY-001-suite.log); fix them and run complete again "
        "(whole_suite = false turns this check off)\n")
    assert project.snapshot() == before  # nothing written: story, tracker, code as they were
    assert project.git("log", "-1", "--format=%s").strip() == "shared code and its tests"

    project.write("shared.py", SHARED)  # fixed
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    story = project.story()
    assert "status: done" in story
    assert "- Whole suite at completion: 9 passed (`python -m pytest`)\n" in story
    assert "suite:\n      command: python -m pytest\n" in story  # the record in the front matter


def test_whole_suite_false_turns_it_off_and_says_so(project: Project) -> None:
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + "whole_suite = false\n")
    green_story(project)
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    assert "- Whole suite at completion: not run (whole_suite = false)\n" in project.story()


def test_a_custom_test_command_needs_suite_command(project: Project) -> None:
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + 'test_command = "python -m pytest {tests} --junitxml={junit}"\n')
    green_story(project)
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    assert ("storykit: the whole suite was not run: test_command is custom and suite_command is unset "
            "(set suite_command to run it)\n") in done.stdout
    assert ("- Whole suite at completion: not run (test_command is custom and suite_command is unset)\n"
            in project.story())


def test_suite_command_runs_the_whole_suite_of_a_custom_runner(project: Project) -> None:
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + 'test_command = "python -m pytest {tests} --junitxml={junit}"\n'
                      'suite_command = "python -m pytest --junitxml={junit}"\n')
    green_story(project)
    refused = project.run("complete", "1")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Refused: STORY-001 not completed: the whole suite fails: 7 of 9 test(s) fail: ")
    assert "test_greet_0" in refused.stderr and " and 2 more (full log: " in refused.stderr
    project.write("shared.py", SHARED)
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    assert "- Whole suite at completion: 9 passed (`python -m pytest --junitxml=<junit.xml>`)\n" in project.story()


def test_the_failing_tests_of_another_red_story_are_expected(project: Project) -> None:
    green_story(project, break_shared=False)
    project.write("tests/test_later.py", "def test_later():\n    assert False, 'not yet'\n")
    assert project.new(title="Later", tests="tests/test_later.py").exit_code == 0
    assert project.run("run-tests", "2").exit_code == 0  # red: its failing test is recorded evidence
    project.tick_all()
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output
    assert ("- Whole suite at completion: 9 passed, 1 failed (`python -m pytest`); the failures are the tests "
            "of STORY-002, red\n") in project.story()
