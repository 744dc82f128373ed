"""`storykit verify --all`: every done story replayed from git, in parallel, with
``--since`` and ``--shard`` for CI (issue 15).  Real git histories, real test runs."""

from __future__ import annotations

import json

from conftest import Project


def tests_of(name: str) -> str:
    return (f"from {name} import value\n\n\ndef test_{name}_value():\n    assert value() == 42\n\n\n"
            f"def test_{name}_type():\n    assert isinstance(value(), int)\n")


def stub(name: str) -> str:
    return "def value():\n    raise NotImplementedError\n"


def implementation(name: str) -> str:
    return "def value():\n    return 42\n"


def sha(project: Project, ref: str = "HEAD") -> str:
    return project.git("rev-parse", ref).strip()[:10]


def done_story(project: Project, number: int, name: str, *, forged: bool = False) -> tuple[str, str]:
    """A story through red (committed) -> green -> done; returns (red sha, done sha).

    ``forged``: the implementation is committed before the red commit, and the red
    run is made to fail by an unstaged stub, so the red commit itself passes."""
    if forged:
        project.write(f"{name}.py", implementation(name))
        project.git("add", f"{name}.py")
        project.git("commit", "-q", "-m", "implementation first")
    made = project.new(title=f"Value of {name}", tests=f"tests/test_{name}.py")
    assert made.exit_code == 0, made.output
    project.write(f"tests/test_{name}.py", tests_of(name))
    project.write(f"{name}.py", stub(name))
    if not forged:
        project.git("add", f"{name}.py")
    red = project.run("run-tests", str(number), "--commit")
    assert red.exit_code == 0, red.output
    red_sha = sha(project)
    project.write(f"{name}.py", implementation(name))
    assert project.run("run-tests", str(number)).exit_code == 0
    project.tick_all(f"STORY-{number:03d}")
    project.git("add", f"{name}.py")
    done = project.run("complete", str(number))
    assert done.exit_code == 0, done.output
    return red_sha, sha(project)


def test_verify_all_passes_on_an_honest_history(project: Project) -> None:
    red1, done1 = done_story(project, 1, "alpha")
    red2, done2 = done_story(project, 2, "beta")
    assert project.new(title="Not started yet").exit_code == 0  # not done: not replayed
    result = project.sk("verify", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"STORY-001  ok      red {red1} 2 of 2 tests fail; done {done1} 2 of 2 tests pass\n"
        f"STORY-002  ok      red {red2} 2 of 2 tests fail; done {done2} 2 of 2 tests pass\n"
        "storykit: 2 of 2 done stories replay: their tests fail at the red commit and pass at the completion "
        "commit\n")
    assert result.stderr == ""
    assert project.git("worktree", "list", "--porcelain").count("worktree ") == 1  # checkouts removed


def test_verify_all_fails_on_a_forged_history_naming_the_story_and_why(project: Project) -> None:
    done_story(project, 1, "alpha")
    red2, done2 = done_story(project, 2, "beta", forged=True)
    result = project.sk("verify", "--all")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == (
        f"STORY-002  FAILED  red {red2} 2 of 2 tests pass; done {done2} 2 of 2 tests pass")
    assert result.stdout.splitlines()[0].startswith("STORY-001  ok      ")
    assert result.stderr.splitlines() == [
        f"Problem: STORY-002: at the red commit {red2}: the tests pass (2 passed): the implementation was "
        "committed before the red run, so this is no red evidence",
        "Refused: 1 of 2 done stories do not replay: STORY-002",
    ]
    as_json = project.sk("verify", "--all", "--json")
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)
    assert (document["kind"], document["ok"]) == ("verify", False)
    assert [(s["id"], s["ok"]) for s in document["stories"]] == [("STORY-001", True), ("STORY-002", False)]
    assert document["stories"][1]["problems"][0].startswith(f"at the red commit {red2}: the tests pass")
    assert [r["phase"] for r in document["stories"][1]["replays"]] == ["red", "done"]


def test_shards_together_cover_every_story_exactly_once(project: Project) -> None:
    for number, name in enumerate(("alpha", "beta", "gamma"), start=1):
        done_story(project, number, name)
    first = project.run("verify", "--all", "--shard", "1/2", "--list")
    second = project.run("verify", "--all", "--shard", "2/2", "--list")
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert first.stdout == "STORY-001\nSTORY-003\n"
    assert second.stdout == "STORY-002\n"
    replayed = project.sk("verify", "--all", "--shard", "2/2")
    assert replayed.exit_code == 0, replayed.output
    assert [line.split()[0] for line in replayed.stdout.splitlines()] == ["STORY-002", "storykit:"]
    assert replayed.stdout.splitlines()[-1].startswith("storykit: 1 of 1 done stories replay (shard 2/2 of 3)")


def test_since_selects_the_stories_a_branch_touched(project: Project) -> None:
    done_story(project, 1, "alpha")
    project.git("tag", "base")
    done_story(project, 2, "beta")
    listed = project.run("verify", "--since", "base", "--list")
    assert (listed.exit_code, listed.stdout) == (0, "STORY-002\n")
    project.git("tag", "after")
    nothing = project.run("verify", "--since", "after")
    assert (nothing.exit_code, nothing.stdout) == (0, "storykit: no done story to replay (none changed since after)\n")


def test_bad_selections_are_usage_errors(project: Project) -> None:
    done_story(project, 1, "alpha")
    cases = {
        ("verify",): "Error: give a STORY to replay, or --all (or --since REF) to replay every done story",
        ("verify", "1", "--all"): "Error: give a STORY or --all/--since/--shard, not both",
        ("verify", "--all", "--shard", "3/2"): "Error: --shard K/N needs 1 <= K <= N (got 3/2)",
        ("verify", "--all", "--shard", "x"): "Error: --shard K/N needs 1 <= K <= N (got x)",
        ("verify", "--since", "no-such-ref"): None,
    }
    for args, message in cases.items():
        result = project.run(*args)
        assert result.exit_code == 2, (args, result.output)
        if message is None:
            assert result.stderr.startswith("Error: --since no-such-ref: git diff failed: "), result.stderr
        else:
            assert result.stderr.startswith(message), (args, result.stderr)
