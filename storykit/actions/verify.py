"""``storykit verify``: replay a story's TDD evidence from its commits.

The story's commits are found by their trailers (``Story: ID``; ``Phase: red``
from ``run-tests --commit``, ``Phase: done`` from ``complete``) with one
``git log --grep``.  Each is checked out in a temporary detached worktree
(always removed afterwards) and the story's tests are run there with the same
runner code as ``run-tests``: at the red commit they must fail, at the green and
completion commits they must pass.  Nothing is written to the story; the full
logs go to .storykit/logs as ``ID-verify-PHASE.log``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from storykit import git
from storykit.runners import pytest_run, runner
from storykit.core import workflow
from storykit.core.settings import RunSettings, resolve
from storykit.errors import GitError
from storykit.project.store import Project
from storykit.story.model import Story, load
from storykit.story.records import RunRecord, runs_of


@dataclass
class Replay:
    """One commit checked out and its tests run."""

    phase: str  # red | green | done
    commit: str
    summary: str  # one line: what the run showed
    result: runner.RunResult | None = None


@dataclass
class Verification:
    story_id: str
    replays: list[Replay] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(project: Project, ref: str, *, timeout: float | None = None,
           echo: BinaryIO | None = None) -> Verification:
    """Replay STORY's red and completion commits; return what was found."""
    story = load(project.find(ref))
    if git.toplevel(project.root) is None:
        raise GitError(f"{project.root} is not in a git repository",
                       hint="verify replays the story's commits; run it inside the repository")
    check = Verification(story.id)
    settings = resolve(story.meta, project.config, timeout=timeout)
    timeout = settings.timeout
    commits = git.story_commits(project.root, story.id)
    red = _pick(story, commits, "red")
    green = _pick(story, commits, "green")
    done = _pick(story, commits, "done")
    if red is None:
        check.problems.append(f"no red commit (a commit with the trailers 'Story: {story.id}' and 'Phase: red'): "
                              f"its failing tests were never committed with 'storykit run-tests {story.id} --commit'")
    if done is None:
        check.problems.append(f"no completion commit (trailers 'Story: {story.id}' and 'Phase: done'): "
                              f"{story.id} is {story.status}; 'storykit complete {story.id}' makes it")
    if red and done and not git.is_ancestor(project.root, red, done):
        check.problems.append(f"the red commit {red[:10]} is not in the history of the completion commit "
                              f"{done[:10]}: the tests were not committed before the story was completed")
    red_tests: dict[str, Any] | None = None
    if red:
        replay = _replay(project, story, "red", red, timeout, echo)
        check.replays.append(replay)
        problem = _red_problem(project, story, replay, timeout)
        if problem:
            check.problems.append(problem)
        elif replay.result is not None:
            red_tests = {node: outcome for node, (outcome, _) in replay.result.tests.items()}
    for phase, sha in (("green", green), ("done", done)):
        if sha:
            replay = _replay(project, story, phase, sha, timeout, echo)
            check.replays.append(replay)
            problem = _pass_problem(project, story, replay, red_tests, settings)
            if problem:
                check.problems.append(problem)
    return check


def _pick(story: Story, commits: list[tuple[str, str]], phase: str) -> str | None:
    """The commit of ``phase``: the one the run record names if it is one, else the newest."""
    shas = [sha for sha, found in commits if found == phase]
    run = runs_of(story.meta).get(phase)
    recorded = run.commit if run else None
    if recorded in shas:
        return str(recorded)
    return shas[0] if shas else None


_WHERE = {"red": "the red commit", "green": "the green commit", "done": "the completion commit"}


def _replay(project: Project, story: Story, phase: str, sha: str, timeout: float | None,
            echo: BinaryIO | None) -> Replay:
    from storykit.actions.run_tests import _test_args  # the same tests and command as run-tests

    command, tests, marker = _test_args(project, story)
    top = git.toplevel(project.root)
    assert top is not None
    subdir = project.root.resolve().relative_to(top.resolve())
    with git.worktree(project.root, sha) as checkout:
        cwd = checkout / subdir
        # Installed JavaScript dependencies are never committed; the replay borrows
        # the working tree's (they are the tools, not the code under test).
        modules = project.root / "node_modules"
        if modules.is_dir() and not (cwd / "node_modules").exists():
            (cwd / "node_modules").symlink_to(modules.resolve(), target_is_directory=True)
        # The checkout's code comes first on sys.path, ahead of an editable install
        # of the project that points at the real working tree.
        paths = [str(cwd)] + ([str(cwd / "src")] if (cwd / "src").is_dir() else [])
        env = {"PYTHONPATH": os.pathsep.join(filter(None, [*paths, os.environ.get("PYTHONPATH")]))}
        plugin = pytest_run.plugin_name(paths)
        if plugin != pytest_run.PLUGIN_MODULE:
            # The checkout is a storykit of its own (this project's history): its tests may
            # start `python -m storykit` with PYTHONPATH cleared, which would run the
            # installed storykit instead of the code of the commit replayed.
            env["PATH"] = os.pathsep.join([str(_overlay(checkout.parent / "python", paths)), os.environ["PATH"]])
        if echo is not None:
            echo.write(f"\n=== storykit verify: {story.id} at {_WHERE[phase]} {sha[:10]} ===\n".encode())
            echo.flush()
        log = project.config.log_path / f"{story.id}-verify-{phase}.log"
        result = runner.run(command, tests, marker, cwd=cwd, log_path=log, timeout=timeout,
                            output_lines=project.config.output_lines, echo=echo, env=env,
                            plugin=plugin)
    total = len(result.tests)
    if result.exit_code == 1 and result.failed:
        summary = f"{result.failed} of {total} tests fail"
    elif result.exit_code == 0:
        summary = f"{result.passed} of {total} tests pass"
    else:
        summary = f"the tests did not run properly (exit code {result.exit_code})"
    return Replay(phase, sha, summary, result)


def _overlay(where: Path, paths: list[str]) -> Path:
    """The ``bin`` folder of a throwaway virtual environment whose ``python`` sees
    ``paths`` first and then what the project's Python has installed, less storykit
    itself, so that every process a replayed test starts, with or without PYTHONPATH,
    runs the replayed code (and no installed storykit plugin entry point shadows it).
    Nothing is installed: the packages are linked, and a ``.pth`` file lists ``paths``."""
    import json
    import subprocess

    from storykit.runners.pytest_run import project_python

    python = project_python()
    seen = subprocess.run([python, "-c", "import json, site; print(json.dumps(site.getsitepackages()))"],
                          capture_output=True, text=True, check=True)
    subprocess.run([python, "-m", "venv", "--without-pip", str(where)], capture_output=True, check=True)
    found = sorted(where.glob("lib/python*/site-packages")) or [where / "Lib" / "site-packages"]
    target = found[0]
    for parent in json.loads(seen.stdout):
        folder = Path(parent)
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if "storykit" in entry.name.lower() or (target / entry.name).exists():
                continue  # the replayed checkout is the only storykit
            (target / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (target / "storykit_replay.pth").write_text("\n".join(paths) + "\n", encoding="utf-8")
    return where / ("Scripts" if (where / "Scripts").is_dir() else "bin")


def _log_note(project: Project, result: runner.RunResult | None) -> str:
    return f" (full log: {project.rel(result.log)})" if result is not None and result.log else ""


def _red_problem(project: Project, story: Story, replay: Replay, timeout: float | None) -> str | None:
    result = replay.result
    assert result is not None
    where = f"at {_WHERE['red']} {replay.commit[:10]}"
    broken = workflow.broken_run(result, timeout)
    if broken:
        return f"{where}: the tests did not run and fail: {broken}{_log_note(project, result)}"
    if result.exit_code == 0:
        return (f"{where}: the tests pass ({result.passed} passed): the implementation was committed before "
                f"the red run, so this is no red evidence")
    if not result.failed:
        return f"{where}: no test failed ({result.count('error')} errored): an error is not red"
    record = runs_of(story.meta).get("red") or RunRecord()
    # The recorded run is this commit's (it names it, or it was committed as the newest red
    # commit by run-tests --commit, which cannot name itself): the same tests must fail.
    committed = bool(((story.meta.get("runs") or {}).get("red") or {}).get("committed"))
    if record.commit == replay.commit or committed:
        recorded = sorted(t.node for t in record.tests or [] if t.outcome == "failed")
        passing = [n for n in recorded if result.tests.get(n, ("missing",))[0] not in ("failed", "error")]
        if passing:
            return (f"{where}: {len(passing)} test(s) recorded as failing do not fail "
                    f"({', '.join(passing[:3])}{', ...' if len(passing) > 3 else ''})")
    return None


def _pass_problem(project: Project, story: Story, replay: Replay, red_tests: dict[str, Any] | None,
                  settings: RunSettings) -> str | None:
    result = replay.result
    assert result is not None
    where = f"at {_WHERE[replay.phase]} {replay.commit[:10]}"
    problem = workflow.pass_problem(
        story.id, result, timeout=settings.timeout, min_tests=settings.min_tests,
        allow_skips=settings.allow_skips, red_tests=red_tests)
    return f"{where}: {problem}{_log_note(project, result)}" if problem else None


def describe(check: Verification) -> list[str]:
    """The lines ``verify`` prints for each replay."""
    return [f"{replay.phase:<5} {replay.commit[:10]}  {replay.summary}" for replay in check.replays]
