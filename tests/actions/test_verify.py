"""`storykit verify`: the TDD evidence replayed from git in temporary worktrees (issue 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CALC_TESTS, MATH_TESTS, NODE_COMMAND, NODE_IMPLEMENTATION, NODE_STUB, Project
from conftest import CALC_IMPLEMENTATION as IMPLEMENTATION
from conftest import CALC_STUB as STUB
from storykit import git


def head(project: Project, ref: str = "HEAD") -> str:
    return project.git("rev-parse", ref).strip()


def finish(project: Project) -> None:
    """From red: implement, go green, complete (committing the implementation)."""
    project.write("calc.py", IMPLEMENTATION)
    assert project.run("run-tests", "1").exit_code == 0
    project.tick_all()
    project.git("add", "calc.py")
    done = project.run("complete", "1")
    assert done.exit_code == 0, done.output


def take_red(project: Project) -> str:
    """new -> failing tests committed at red; the red commit."""
    assert project.new(tests="tests/test_calc.py").exit_code == 0
    project.write("tests/test_calc.py", CALC_TESTS)
    project.write("calc.py", STUB)
    project.git("add", "calc.py")
    red = project.run("run-tests", "1", "--commit")
    assert red.exit_code == 0, red.output
    return head(project)


def honest(project: Project) -> tuple[str, str]:
    """new -> failing tests committed at red -> implementation -> green -> done."""
    red_sha = take_red(project)
    finish(project)
    return red_sha, head(project)


def test_verify_passes_on_an_honest_history_and_leaves_no_trace(project: Project, tmp_path: Path) -> None:
    red, done = honest(project)
    before = project.snapshot()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    result = project.sk("verify", "STORY-001", env={"TMPDIR": str(scratch)})
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"red   {red[:10]}  2 of 2 tests fail\n"
                             f"done  {done[:10]}  2 of 2 tests pass\n"
                             "storykit: STORY-001's evidence replays: its tests fail at the red commit and pass "
                             "at the completion commit\n")
    assert result.stderr == ""
    assert project.snapshot() == before  # nothing written to the story (or anywhere in the project)
    assert project.git("worktree", "list", "--porcelain").count("worktree ") == 1
    assert list(scratch.iterdir()) == []  # the temporary checkouts are gone
    assert (project.root / ".storykit" / "logs" / "STORY-001-verify-red.log").read_text().count("FAILED") >= 2


def test_verify_fails_when_the_implementation_was_committed_before_red(project: Project) -> None:
    """The implementation is committed first; a temporary unstaged breakage makes the
    red run fail, and the red commit (tests only, from the index) really passes."""
    project.write("calc.py", IMPLEMENTATION)
    project.git("add", "calc.py")
    project.git("commit", "-q", "-m", "implementation first")
    assert project.new(tests="tests/test_calc.py").exit_code == 0
    project.write("tests/test_calc.py", CALC_TESTS)
    project.write("calc.py", STUB)  # not staged
    red = project.run("run-tests", "1", "--commit")
    assert red.exit_code == 0, red.output
    assert red.stderr == "Not in that commit (uncommitted changes): calc.py\n"
    red_sha = head(project)
    finish(project)

    result = project.run("verify", "1")
    assert result.exit_code == 1
    assert result.stdout == f"red   {red_sha[:10]}  2 of 2 tests pass\ndone  {head(project)[:10]}  2 of 2 tests pass\n"
    assert result.stderr == (
        f"Problem: STORY-001: at the red commit {red_sha[:10]}: the tests pass (2 passed): the implementation was "
        f"committed before the red run, so this is no red evidence\n"
        "Refused: STORY-001's evidence does not replay (1 problem(s))\n")


def test_verify_reports_a_red_run_never_committed_and_a_story_not_completed(project: Project) -> None:
    assert project.new(tests="tests/test_calc.py").exit_code == 0
    project.write("tests/test_calc.py", CALC_TESTS)
    project.write("calc.py", STUB)
    assert project.run("run-tests", "1").exit_code == 0  # red, without --commit
    result = project.run("verify", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Problem: STORY-001: no red commit (a commit with the trailers 'Story: STORY-001' and 'Phase: red'): "
        "its failing tests were never committed with 'storykit run-tests STORY-001 --commit'",
        "Problem: STORY-001: no completion commit (trailers 'Story: STORY-001' and 'Phase: done'): "
        "STORY-001 is red; 'storykit complete STORY-001' makes it",
        "Refused: STORY-001's evidence does not replay (2 problem(s))",
    ]


def test_verify_reports_a_completion_commit_whose_tests_fail(project: Project) -> None:
    red, _ = honest(project)
    # A forged completion: the implementation broken again, committed with the done trailers.
    project.write("calc.py", STUB)
    project.git("add", "calc.py")
    project.git("commit", "-q", "-m", "feat: again\n\nStory: STORY-001\nPhase: done")
    bad = head(project)
    result = project.run("verify", "1")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"red   {red[:10]}  2 of 2 tests fail",
                                          f"done  {bad[:10]}  2 of 2 tests fail"]
    assert result.stderr.splitlines()[0] == (
        f"Problem: STORY-001: at the completion commit {bad[:10]}: 2 of 2 tests fail "
        f"(full log: .storykit/logs/STORY-001-verify-done.log)")


def test_verify_runs_the_checked_out_code_not_the_working_trees(project: Project,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A src layout installed in editable mode points at the working tree (here:
    PYTHONPATH, as the install's .pth file would); the replay must still import
    the code of the commit it checked out."""
    monkeypatch.setenv("PYTHONPATH", str(project.root / "src"))
    assert project.new(tests="tests/test_calc.py").exit_code == 0
    project.write("tests/test_calc.py", CALC_TESTS)
    project.write("src/calc.py", STUB)
    project.git("add", "src/calc.py")
    assert project.run("run-tests", "1", "--commit").exit_code == 0
    red = head(project)
    project.write("src/calc.py", IMPLEMENTATION)
    assert project.run("run-tests", "1").exit_code == 0
    project.tick_all()
    project.git("add", "src/calc.py")
    assert project.run("complete", "1").exit_code == 0
    result = project.run("verify", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"red   {red[:10]}  2 of 2 tests fail\n")


def test_verify_replays_a_node_project_through_test_command(project: Project) -> None:
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + f'test_command = "{NODE_COMMAND}"\n')
    assert project.new(tests="test/math.test.js").exit_code == 0
    # An installed (git-ignored) dependency: the replay must find it too.
    project.write(".gitignore", "node_modules/\n")
    project.write("node_modules/pad/index.js", "module.exports = (s) => s;\n")
    project.write("test/math.test.js", "require('pad');\n" + MATH_TESTS)
    project.write("math.js", NODE_STUB)
    project.git("add", "-A")
    assert project.run("run-tests", "1", "--commit").exit_code == 0
    project.write("math.js", NODE_IMPLEMENTATION)
    project.git("add", "math.js")
    assert project.run("run-tests", "1", "--commit").exit_code == 0
    project.tick_all()
    assert project.run("complete", "1").exit_code == 0
    result = project.run("verify", "1")
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()[:3]] == ["red", "green", "done"]
    assert "2 of 2 tests fail" in result.stdout.splitlines()[0]


def test_the_worktree_is_removed_when_the_replay_fails(project: Project) -> None:
    with pytest.raises(RuntimeError), git.worktree(project.root, head(project)) as checkout:
        assert (checkout / "README.md").is_file()
        raise RuntimeError("the test run blew up")
    assert not checkout.exists() and not checkout.parent.exists()
    assert project.git("worktree", "list", "--porcelain").count("worktree ") == 1
    assert not any((project.root / ".git" / "worktrees").glob("*"))


MORE_TESTS = "from calc import add\n\n\ndef test_add_negative():\n    assert add(-1, -2) == -3\n"


def test_verify_replays_the_tests_the_story_listed_at_each_commit(project: Project) -> None:
    """A test file added to the story after its red commit did not exist there: the red
    commit replays the tests the story listed then, the completion commit all of them."""
    red_sha = take_red(project)
    added = project.run("set", "1", "tests=tests/test_calc.py,tests/test_more.py")
    assert added.exit_code == 0, added.output
    project.write("tests/test_more.py", MORE_TESTS)
    project.git("add", "tests/test_more.py")
    finish(project)
    result = project.sk("verify", "STORY-001")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [f"red   {red_sha[:10]}  2 of 2 tests fail",
                                              f"done  {head(project)[:10]}  3 of 3 tests pass"]


def test_a_story_red_again_with_commit_is_replayed_at_its_last_red_commit(project: Project) -> None:
    """run-tests --commit records the commit the run was made on: red run again, that is the
    story's first red commit, and the replay must take the second, the one the record is of."""
    first = take_red(project)
    project.write("tests/test_calc.py", CALC_TESTS + "\n\ndef test_negative():\n    assert add(-1, -2) == -3\n")
    again = project.run("run-tests", "1", "--commit")
    assert again.exit_code == 0, again.output
    second = head(project)
    assert second != first and project.git("log", "-1", "--format=%(trailers:key=Phase,valueonly)").strip() == "red"
    finish(project)
    result = project.sk("verify", "STORY-001")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"red   {second[:10]}  3 of 3 tests fail"
