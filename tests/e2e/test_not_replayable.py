"""A done story whose recorded commit cannot replay (its final tests were left out of
the completion commit, as STORY-030's were) is never passed off as replayed: a
reviewed `not_replayable` acknowledgement in its front matter makes `verify` report it
as not replayable and `check` show it, or names a later commit where the same code with
the tests as they ran is replayed instead; it cannot excuse a red commit, another
story's commit, or a later commit that changed the code or the tests (issue 15).
Real git histories, real test runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Project, _built, copy_of

RED_TESTS = ("from alpha import label, value\n\n\ndef test_value():\n    assert value() == 42\n\n\n"
             "def test_label():\n    assert label() == '42'\n")
FINAL_TESTS = RED_TESTS.replace("== '42'", "== 'forty-two'")  # edited after red, left unstaged at completion
STUB = "def value():\n    raise NotImplementedError\n\n\ndef label():\n    raise NotImplementedError\n"
IMPLEMENTATION = "def value():\n    return 42\n\n\ndef label():\n    return 'forty-two'\n"
REASON = "its completion commit lacks the final tests/test_alpha.py (left unstaged); the next commit adds it"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """STORY-001 done the way storykit completed before it refused unstaged tests: the
    completion commit holds the implementation but the red version of the tests; the
    tests as they ran green are committed right after it."""

    def build(project: Project) -> None:
        project.git("init", "-q")
        assert project.run("init").exit_code == 0
        config = project.root / "storykit.toml"
        config.write_text(config.read_text() + "whole_suite = false\n")
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "config")
        assert project.new(title="Alpha", tests="tests/test_alpha.py").exit_code == 0
        project.write("tests/test_alpha.py", RED_TESTS)
        project.write("alpha.py", STUB)
        project.git("add", "alpha.py")
        assert project.run("run-tests", "1", "--commit").exit_code == 0
        project.write("alpha.py", IMPLEMENTATION)
        project.write("tests/test_alpha.py", FINAL_TESTS)
        assert project.run("run-tests", "1").exit_code == 0
        project.tick_all()
        done = project.run("complete", "1", "--no-commit")
        assert done.exit_code == 0, done.output
        project.git("add", "alpha.py", "stories", "STORY_TRACKER.md")
        project.git("commit", "-q", "-m", "feat: Alpha (STORY-001)\n\nStory: STORY-001\nPhase: done")
        project.git("add", "tests/test_alpha.py")
        project.git("commit", "-q", "-m", "tests: STORY-001's tests as they ran green")

    return _built(tmp_path_factory, build)


@pytest.fixture
def repo(history: Path, tmp_path: Path) -> Project:
    return copy_of(history, tmp_path)


def sha(project: Project, grep: str) -> str:
    return project.git("log", "--format=%H", "-1", f"--grep={grep}").strip()


def acknowledge(project: Project, commit: str, **extra: str) -> None:
    fields = {"commit": commit, "reason": REASON, "by": "Ann Reviewer", **extra}
    block = "not_replayable:\n" + "".join(f"  {key}: {value}\n" for key, value in fields.items())
    path = project.story_path()
    text = path.read_text(encoding="utf-8")
    assert text.count("\nruns:\n") == 1
    path.write_text(text.replace("\nruns:\n", f"\n{block}runs:\n"), encoding="utf-8")


def test_without_an_acknowledgement_the_completion_commit_does_not_replay(repo: Project) -> None:
    done = sha(repo, "Phase: done")
    result = repo.run("verify", "1")
    assert result.exit_code == 1, result.output
    assert f"Problem: STORY-001: at the completion commit {done[:10]}: " in result.stderr


def test_an_acknowledged_commit_is_reported_as_not_replayable_never_as_passed(repo: Project) -> None:
    red, done, later = sha(repo, "Phase: red"), sha(repo, "Phase: done"), repo.git("rev-parse", "HEAD").strip()
    acknowledge(repo, done, fixed_in=later)
    said = (f"the completion commit {done[:10]} does not replay (acknowledged by Ann Reviewer: {REASON}); "
            f"fixed in {later[:10]}; its replay: 1 of 2 tests fail")

    one = repo.run("verify", "1")
    assert one.exit_code == 0, one.output
    assert one.stdout.splitlines() == [
        f"red   {red[:10]}  2 of 2 tests fail",
        f"done  {done[:10]}  1 of 2 tests fail (not replayable: acknowledged)",
        f"Not replayable: STORY-001: {said}",
        "storykit: STORY-001's evidence replays, except the commit acknowledged as not replayable (above; "
        "docs/verify.md)"]

    every = repo.run("verify", "--all", "-j", "1")
    assert every.exit_code == 0, every.output
    lines = every.stdout.splitlines()
    assert lines[0].startswith("STORY-001  not replayable  red ")
    assert lines[1:] == [f"Not replayable: STORY-001: {said}",
                         "storykit: 0 of 1 done stories replay; 1 acknowledged as not replayable (STORY-001), "
                         "each listed above"]
    document = json.loads(repo.run("verify", "--all", "-j", "1", "--json").stdout)
    assert document["ok"] is True and document["stories"][0]["not_replayable"] == [said]

    check = repo.run("check")
    assert check.exit_code == 0, check.output
    warned = [line for line in check.stdout.splitlines() if "SK520" in line]
    assert len(warned) == 1 and warned[0].endswith(
        f"warning: STORY-001's commit {done[:10]} does not replay (acknowledged by Ann Reviewer: {REASON}); "
        f"fixed in {later[:10]}; 'storykit verify STORY-001' reports it as not replayable"), warned


def test_replayed_at_a_later_commit_holding_the_same_code_and_the_tests_that_ran(repo: Project) -> None:
    done, later = sha(repo, "Phase: done"), repo.git("rev-parse", "HEAD").strip()
    acknowledge(repo, done, replay_at=later)
    result = repo.run("verify", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == f"done  {later[:10]}  2 of 2 tests pass (for the completion commit {done[:10]}: {REASON})"
    assert lines[-1].startswith("storykit: STORY-001's evidence replays: its tests fail at the red commit")
    assert "Not replayable" not in result.output


@pytest.mark.parametrize("forgery", ["red", "not-its-own", "not-after", "code-changed", "tests-rewritten"])
def test_an_acknowledgement_cannot_excuse_what_the_evidence_does_not_show(repo: Project, forgery: str) -> None:
    red, done = sha(repo, "Phase: red"), sha(repo, "Phase: done")
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    if forgery == "red":
        acknowledge(repo, red)
        expected = f"'not_replayable' names the red commit {red[:10]}: a red commit that does not replay is no evidence"
    elif forgery == "not-its-own":
        acknowledge(repo, first)
        expected = (f"'not_replayable' names {first[:10]}, which is not STORY-001's green or completion commit "
                    f"(done {done[:10]}): it acknowledges nothing here")
    elif forgery == "not-after":
        acknowledge(repo, done, replay_at=red)
        expected = f"'not_replayable.replay_at' {red[:10]} is not a commit after {done[:10]} in this history"
    else:
        if forgery == "code-changed":
            repo.write("alpha.py", IMPLEMENTATION + "\n# changed after completion\n")
        else:
            repo.write("tests/test_alpha.py", FINAL_TESTS.replace("== 42", "== 6 * 7"))
        repo.git("commit", "-q", "-am", "a later change")
        later = repo.git("rev-parse", "HEAD").strip()
        acknowledge(repo, done, replay_at=later)
        expected = {
            "code-changed": f"{later[:10]} changes more than STORY-001's tests since {done[:10]} (alpha.py): the code "
                            "replayed there is not the code of the completion commit",
            "tests-rewritten": f"the tests at {later[:10]} are not the ones that ran at the completion commit (their "
                               "digest differs from the recorded done run's)"}[forgery]
    result = repo.run("verify", "1")
    assert result.exit_code == 1, result.output
    assert expected in result.stderr, result.stderr


def test_a_malformed_acknowledgement_is_an_error_in_check(repo: Project) -> None:
    acknowledge(repo, "HEAD")
    result = repo.run("check")
    assert result.exit_code == 1
    assert ("SK521 'not_replayable.commit' must be a full commit sha (40 hex digits), not 'HEAD'; see docs/verify.md"
            in result.stdout), result.stdout
