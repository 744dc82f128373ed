"""`storykit verify --all`: every done story replayed from git, in parallel, with
``--since`` and ``--shard`` for CI (issue 15).  Real git histories, real test runs."""

from __future__ import annotations

import json

import pytest

from conftest import Project


@pytest.fixture(autouse=True)
def stories_only(project: Project) -> None:
    """These histories are about replaying each story; a story marked done by hand
    breaks the whole suite on purpose, so completion runs only the story's tests
    here (the whole suite at completion: tests/e2e/test_whole_suite.py)."""
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + "whole_suite = false\n")


def suite_of(name: str) -> str:
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
    project.write(f"tests/test_{name}.py", suite_of(name))
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


def marked_done(project: Project, number: int, name: str) -> None:
    """A story that says done (no history to replay): enough for selecting with --list."""
    assert project.new(title=f"Value of {name}", tests=f"tests/test_{name}.py").exit_code == 0
    path = project.story_path(f"STORY-{number:03d}")
    path.write_text(path.read_text(encoding="utf-8").replace("status: not-started", "status: done", 1),
                    encoding="utf-8")
    project.write(f"tests/test_{name}.py", suite_of(name))
    project.git("add", "-A")
    project.git("commit", "-q", "-m", f"story {number}")


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
    marked_done(project, 1, "alpha")  # says done, but has no history at all
    base = sha(project)
    red2, done2 = done_story(project, 2, "beta", forged=True)
    result = project.sk("verify", "--all")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "STORY-001  FAILED  nothing replayed",
        f"STORY-002  FAILED  red {red2} 2 of 2 tests pass; done {done2} 2 of 2 tests pass",
    ]
    assert result.stderr.splitlines() == [
        "Problem: STORY-001: no red commit (a commit with the trailers 'Story: STORY-001' and 'Phase: red'): "
        "its failing tests were never committed with 'storykit run-tests STORY-001 --commit'",
        "Problem: STORY-001: no completion commit (trailers 'Story: STORY-001' and 'Phase: done'): "
        "STORY-001 is done; 'storykit complete STORY-001' makes it",
        f"Problem: STORY-002: at the red commit {red2}: the tests pass (2 passed): the implementation was "
        "committed before the red run, so this is no red evidence",
        "Refused: 2 of 2 done stories do not replay: STORY-001, STORY-002",
    ]
    as_json = project.sk("verify", "--since", base, "--json")  # only the forged story changed since
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)
    assert (document["kind"], document["ok"]) == ("verify", False)
    assert [(s["id"], s["ok"]) for s in document["stories"]] == [("STORY-002", False)]
    assert document["stories"][0]["problems"][0].startswith(f"at the red commit {red2}: the tests pass")
    assert [r["phase"] for r in document["stories"][0]["replays"]] == ["red", "done"]


def test_shards_together_cover_every_story_exactly_once(project: Project) -> None:
    for number, name in enumerate(("alpha", "beta", "gamma", "delta", "epsilon"), start=1):
        marked_done(project, number, name)
    shards = [project.run("verify", "--all", "--shard", f"{k}/3", "--list") for k in (1, 2, 3)]
    assert [s.exit_code for s in shards] == [0, 0, 0]
    assert [s.stdout.split() for s in shards] == [["STORY-001", "STORY-004"], ["STORY-002", "STORY-005"],
                                                  ["STORY-003"]]
    assert project.run("verify", "--shard", "2/3", "--list").stdout == shards[1].stdout  # --shard alone: all


def test_since_selects_the_stories_a_branch_touched(project: Project) -> None:
    marked_done(project, 1, "alpha")
    project.git("tag", "base")
    marked_done(project, 2, "beta")
    project.write("tests/test_alpha.py", suite_of("alpha") + "\n")  # a test file changed: its story too
    project.git("commit", "-q", "-am", "alpha's tests edited")
    listed = project.run("verify", "--since", "base", "--list")
    assert (listed.exit_code, listed.stdout) == (0, "STORY-001\nSTORY-002\n")
    project.git("tag", "after")
    nothing = project.run("verify", "--since", "after")
    assert (nothing.exit_code, nothing.stdout) == (0, "storykit: no done story to replay (none changed since after)\n")


def test_bad_selections_are_usage_errors(project: Project) -> None:
    cases = {
        ("verify",): "Error: give a STORY to replay, or --all (or --since REF) to replay every done story",
        ("verify", "1", "--all"): "Error: give a STORY or --all/--since/--shard, not both",
        ("verify", "--all", "--shard", "3/2"): "Error: --shard K/N needs 1 <= K <= N (got 3/2)",
        ("verify", "--all", "--shard", "x"): "Error: --shard K/N needs 1 <= K <= N (got x)",
        ("verify", "--since", "no-such-ref"): "Error: --since no-such-ref: git diff failed: ",
    }
    for args, message in cases.items():
        result = project.run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(message), (args, result.stderr)


def test_the_ci_guide_shards_verify_over_a_matrix_and_ci_runs_it() -> None:
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    guide = (root / "docs" / "ci.md").read_text(encoding="utf-8")
    workflow = yaml.safe_load(re.findall(r"```yaml\n(.*?)```", guide, re.S)[0])
    job = workflow["jobs"]["verify"]
    shards = job["strategy"]["matrix"]["shard"]
    assert {"run": f"storykit verify --all --shard ${{{{ matrix.shard }}}}/{len(shards)}"} in job["steps"]


def test_a_project_with_a_storykit_package_of_its_own_runs_and_replays(project: Project) -> None:
    """A project that is itself a ``storykit`` package (this repository, and its history
    under verify) shadows the installed one: the pytest plugin must not be loaded through
    the installed entry point (it would import the project's storykit and fail), at
    run-tests and at the replay alike."""
    project.write("storykit/__init__.py", "")
    project.write("storykit/__main__.py", "print('v1')\n")
    project.git("add", "storykit")
    project.git("commit", "-q", "-m", "a storykit of its own")
    test = ("import os, subprocess, sys\n\n\ndef test_version():\n"
            "    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}\n"
            "    out = subprocess.run([sys.executable, '-m', 'storykit'], env=env, capture_output=True, text=True)\n"
            "    assert out.stdout == 'v2\\n'\n")
    assert project.new("--min-tests", "1", title="Version two", tests="tests/test_version.py").exit_code == 0
    project.write("tests/test_version.py", test)
    red = project.run("run-tests", "1", "--commit")
    assert red.exit_code == 0, red.output
    # (one line longer: Python's bytecode cache, keyed on size and mtime in seconds, would take
    # a same-size edit within the same second for the old module)
    project.write("storykit/__main__.py", "print('v2')\n\n")
    assert project.run("run-tests", "1").exit_code == 0
    project.tick_all("STORY-001")
    project.git("add", "storykit")
    assert project.run("complete", "1").exit_code == 0
    replay = project.sk("verify", "1")
    assert replay.exit_code == 0, replay.output
