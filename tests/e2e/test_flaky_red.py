"""A done story whose red test reproduces a race (it fails only when the race is lost,
as STORY-165's two workers creating the cache folder at once) replays red on an idle
machine and not always on a busy one.  A reviewed `flaky_red` acknowledgement in its
front matter lets `verify` replay the red commit up to that many times, stopping at
the first replay where the recorded tests fail; `check` shows it on every run.  Real
git histories, real test runs: the test here loses its race on the runs listed in
RACE_LOSES, counted in the file RACE_COUNTER."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Project, _built, copy_of

RED_TESTS = """import os
from pathlib import Path

from race import fixed


def test_both_writers_write():
    counter = Path(os.environ["RACE_COUNTER"])
    run = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(run))
    lost = str(run) in os.environ.get("RACE_LOSES", "").split(",")  # this run loses the race
    assert fixed() or not lost
"""
STUB = "def fixed():\n    return False\n"
IMPLEMENTATION = "def fixed():\n    return True\n"
REASON = "its red test reproduces a race that a busy machine does not always lose"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """STORY-001 done: its red run lost the race (run 1), so its red commit is red."""
    counter = tmp_path_factory.mktemp("race") / "counter"

    def build(project: Project) -> None:
        project.git("init", "-q")
        assert project.run("init").exit_code == 0
        config = project.root / "storykit.toml"
        config.write_text(config.read_text() + "whole_suite = false\n")  # (init writes min_tests = 1)
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "config")
        assert project.new("--min-tests", "1", title="Race", tests="tests/test_race.py").exit_code == 0
        project.write("tests/test_race.py", RED_TESTS)
        project.write("race.py", STUB)
        project.git("add", "race.py")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("RACE_COUNTER", str(counter))
            env.setenv("RACE_LOSES", "1")
            red = project.run("run-tests", "1", "--commit")
            assert red.exit_code == 0 and "is red" in red.output, red.output
            project.write("race.py", IMPLEMENTATION)
            green = project.run("run-tests", "1")
            assert green.exit_code == 0, green.output
            project.tick_all()
            project.git("add", "race.py")
            done = project.run("complete", "1")
            assert done.exit_code == 0, done.output

    return _built(tmp_path_factory, build)


@pytest.fixture
def repo(history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("RACE_COUNTER", str(tmp_path / "counter"))
    return copy_of(history, tmp_path)


def sha(project: Project, grep: str) -> str:
    return project.git("log", "--format=%H", "-1", f"--grep={grep}").strip()


def acknowledge(project: Project, **fields: object) -> None:
    fields = {"attempts": 3, "reason": REASON, "by": "Ann Reviewer", **fields}
    block = "flaky_red:\n" + "".join(f"  {key}: {value}\n" for key, value in fields.items())
    path = project.story_path()
    text = path.read_text(encoding="utf-8")
    assert text.count("\nruns:\n") == 1
    path.write_text(text.replace("\nruns:\n", f"\n{block}runs:\n"), encoding="utf-8")


def test_without_an_acknowledgement_a_red_replay_that_wins_the_race_is_a_problem(
        repo: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RACE_LOSES", "2")  # the first replay wins the race
    red = sha(repo, "Phase: red")
    result = repo.run("verify", "1")
    assert result.exit_code == 1, result.output
    assert f"Problem: STORY-001: at the red commit {red[:10]}: the tests pass (1 passed): " in result.stderr
    assert result.stderr.count("Problem: ") == 1
    assert (repo.root.parent / "counter").read_text() == "2"  # one red replay, one done replay


def test_an_acknowledged_flaky_red_is_replayed_until_the_race_is_lost(
        repo: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RACE_LOSES", "2,5")  # lost on the second replay of the red commit, each time
    acknowledge(repo)
    red, done = sha(repo, "Phase: red"), sha(repo, "Phase: done")
    result = repo.run("verify", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"red   {red[:10]}  1 of 1 tests fail (on attempt 2 of 3: flaky red, acknowledged by Ann Reviewer: "
        f"{REASON})",
        f"done  {done[:10]}  1 of 1 tests pass",
        "storykit: STORY-001's evidence replays: its tests fail at the red commit and pass at the completion commit"]
    assert (repo.root.parent / "counter").read_text() == "3"  # two red replays, then the done replay

    every = repo.run("verify", "--all", "--json")
    assert every.exit_code == 0, every.output
    assert json.loads(every.stdout)["ok"] is True


def test_an_acknowledged_flaky_red_that_never_fails_in_its_attempts_is_a_problem(
        repo: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RACE_LOSES", "9")  # never lost within the three attempts
    acknowledge(repo)
    red = sha(repo, "Phase: red")
    result = repo.run("verify", "1")
    assert result.exit_code == 1, result.output
    assert (f"Problem: STORY-001: at the red commit {red[:10]}: its tests did not fail in any of 3 attempts "
            f"(flaky red, acknowledged by Ann Reviewer); the last: the tests pass (1 passed)") in result.stderr
    assert result.stderr.count("Problem: ") == 1
    assert (repo.root.parent / "counter").read_text() == "4"


def test_check_shows_every_acknowledgement_and_refuses_a_malformed_one(repo: Project) -> None:
    acknowledge(repo)
    shown = repo.run("check")
    assert shown.exit_code == 0, shown.output
    warned = [line for line in shown.stdout.splitlines() if " SK522 " in line]
    assert len(warned) == 1 and warned[0].endswith(
        f"SK522 warning: STORY-001's red replay is tried up to 3 times (flaky red, acknowledged by Ann Reviewer: "
        f"{REASON}); 'storykit verify STORY-001' says on which attempt its tests failed")


@pytest.mark.parametrize(("fields", "said"), [
    ({"attempts": 1}, "'flaky_red.attempts' must be a whole number from 2 to 10, not 1"),
    ({"attempts": 50}, "'flaky_red.attempts' must be a whole number from 2 to 10, not 50"),
    ({"attempts": "'3'"}, "'flaky_red.attempts' must be a whole number from 2 to 10, not '3'"),
    ({"by": "''"}, "'flaky_red' needs 'by' (text): who acknowledges it"),
    ({"reason": "''"}, "'flaky_red' needs 'reason' (text): why its red test fails only sometimes, in one line"),
    ({"when": "now"}, "'flaky_red' has unknown field(s) when (it takes attempts, reason, by)"),
])
def test_a_malformed_acknowledgement_is_an_error_in_check_and_a_refusal_in_verify(
        repo: Project, fields: dict[str, object], said: str) -> None:
    acknowledge(repo, **fields)
    checked = repo.run("check")
    assert checked.exit_code == 1
    assert f"SK523 {said}; see docs/verify.md" in checked.stdout
    before = repo.story_path().read_bytes()
    refused = repo.run("verify", "1")
    assert refused.exit_code == 2, refused.output
    assert refused.stderr == f"Error: STORY-001: {said}; fix 'flaky_red' in its front matter (docs/verify.md)\n"
    assert repo.story_path().read_bytes() == before
