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

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from storykit import git
from storykit.actions import history
from storykit.runners import pytest_run, runner
from storykit.core import workflow
from storykit.core.settings import RunSettings, resolve
from storykit.errors import GitError, StorykitError
from storykit.project.store import Project
from storykit.story import evidence, records, unreplayable
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
    # A commit acknowledged as not replayable (story front matter 'not_replayable'):
    # what its replay showed and why, for people; never counted as replayed.
    not_replayable: list[str] = field(default_factory=list)

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
    ack = _acknowledged(project, story, check, red, {"green": green, "done": done})
    if red and done and not git.is_ancestor(project.root, red, done):
        check.problems.append(f"the red commit {red[:10]} is not in the history of the completion commit "
                              f"{done[:10]}: the tests were not committed before the story was completed")
    red_tests: dict[str, Any] | None = None
    flaky = unreplayable.read_flaky(story.meta)
    if red:
        replay, problem = _replay_red(project, story, red, timeout, echo, flaky)
        check.replays.append(replay)
        if problem:
            check.problems.append(problem)
        elif replay.result is not None:
            red_tests = {node: outcome for node, (outcome, _) in replay.result.tests.items()}
    for phase, sha in (("green", green), ("done", done)):
        if not sha:
            continue
        if ack is not None and ack.commit == sha and ack.replay_at:
            _replay_later(project, story, check, phase, ack, red_tests, settings, echo)
            continue
        replay = _replay(project, story, phase, sha, timeout, echo)
        check.replays.append(replay)
        problem = _pass_problem(project, story, replay, red_tests, settings)
        if ack is not None and ack.commit == sha:
            outcome = replay.summary if problem else f"{replay.summary} this time"
            check.not_replayable.append(f"{_WHERE[phase]} {ack.describe()}; its replay: {outcome}")
            replay.summary += " (not replayable: acknowledged)"
        elif problem:
            check.problems.append(problem)
    return check


def _acknowledged(project: Project, story: Story, check: Verification, red: str | None,
                  passing: dict[str, str | None]) -> unreplayable.Acknowledgement | None:
    """The story's acknowledgement of a commit that does not replay, when it names the
    story's green or completion commit (anything else is a problem: it cannot excuse a
    red commit, or a commit that is not this story's)."""
    ack = unreplayable.read(story.meta)
    if ack is None:
        return None
    if ack.commit == red:
        check.problems.append(f"'{unreplayable.KEY}' names the red commit {red[:10]}: a red commit that does not "
                              f"replay is no evidence that the tests came first, and cannot be acknowledged")
        return None
    if ack.commit not in passing.values():
        names = ", ".join(f"{phase} {sha[:10]}" for phase, sha in passing.items() if sha) or "none"
        check.problems.append(f"'{unreplayable.KEY}' names {ack.commit[:10]}, which is not {story.id}'s green or "
                              f"completion commit ({names}): it acknowledges nothing here")
        return None
    for name in ("fixed_in", "replay_at"):
        later = getattr(ack, name)
        if later and not (git.resolve(project.root, later) and git.is_ancestor(project.root, ack.commit, later)):
            check.problems.append(f"'{unreplayable.KEY}.{name}' {later[:10]} is not a commit after "
                                  f"{ack.commit[:10]} in this history")
            return None
    return ack


def _replay_later(project: Project, story: Story, check: Verification, phase: str,
                  ack: unreplayable.Acknowledgement, red_tests: dict[str, Any] | None, settings: RunSettings,
                  echo: BinaryIO | None) -> None:
    """Replay a commit acknowledged as not replayable at the later commit the
    acknowledgement names instead: the same code (that commit changes nothing but the
    story's tests since) with the tests as the recorded run digested them."""
    later = ack.replay_at
    assert later is not None
    record = (story.meta.get("runs") or {}).get("final" if phase == "done" else phase) or {}
    recorded = record.get("digest") if isinstance(record, dict) else None
    tests = evidence.test_files(story.meta, (story.meta.get("runs") or {}).get("green"))

    def vouch(cwd: Path) -> str | None:
        top = git.toplevel(project.root)
        assert top is not None
        subdir = project.root.resolve().relative_to(top.resolve())
        own = [project.rel(story.path), project.rel(records.evidence_path(story.path)),
               project.rel(project.config.tracker_path)]
        allowed = {(subdir / f).as_posix() for f in [*history.support_files(cwd, tests), *own]}
        other = [f for f in git.changed_between(project.root, ack.commit, later) if f not in allowed]
        if other:
            return (f"{later[:10]} changes more than {story.id}'s tests since {ack.commit[:10]} "
                    f"({', '.join(other[:3])}{', ...' if len(other) > 3 else ''}): the code replayed there is not "
                    f"the code of {_WHERE[phase]}")
        if not recorded:
            return f"the {phase} run recorded no digest of the tests, so the tests at {later[:10]} cannot be " \
                   f"shown to be the ones that ran"
        if evidence.digest(cwd, tests) != recorded:
            return (f"the tests at {later[:10]} are not the ones that ran at {_WHERE[phase]} "
                    f"(their digest differs from the recorded {phase} run's)")
        return None

    replay = _replay(project, story, phase, later, settings.timeout, echo, vouch=vouch)
    check.replays.append(replay)
    where = f"{_WHERE[phase]} {ack.commit[:10]} (acknowledged as not replayable, replayed at {later[:10]})"
    if replay.result is None:
        check.problems.append(f"{where}: {replay.summary}")
        return
    replay.summary += f" (for {_WHERE[phase]} {ack.commit[:10]}: {ack.reason})"
    problem = _pass_problem(project, story, replay, red_tests, settings)
    if problem:
        check.problems.append(f"{where}: {problem}")


def _pick(story: Story, commits: list[tuple[str, str]], phase: str) -> str | None:
    """The commit of ``phase``: the one the run record names if it is one, else the newest.
    A red run committed by ``run-tests --commit`` names the commit it ran on, not its own:
    that may be the story's earlier red commit (red run again), so its own is the newest."""
    shas = [sha for sha, found in commits if found == phase]
    run = runs_of(story.meta).get(phase)
    recorded = run.commit if run else None
    committed = bool(((story.meta.get("runs") or {}).get(phase) or {}).get("committed"))
    if recorded in shas and not committed:
        return str(recorded)
    return shas[0] if shas else None


_WHERE = {"red": "the red commit", "green": "the green commit", "done": "the completion commit"}


def _replay(project: Project, story: Story, phase: str, sha: str, timeout: float | None,
            echo: BinaryIO | None, vouch: Callable[[Path], str | None] | None = None) -> Replay:
    from storykit.actions.run_tests import _test_args  # the same tests and command as run-tests

    top = git.toplevel(project.root)
    assert top is not None
    subdir = project.root.resolve().relative_to(top.resolve())
    with git.worktree(project.root, sha) as checkout:
        cwd = checkout / subdir
        # The tests (and command) the story listed at that commit: a test file added to
        # the story later did not exist there.
        command, tests, marker = _test_args(project, _as_at(story, cwd / project.rel(story.path)))
        refused = vouch(cwd) if vouch is not None else None
        if refused:
            return Replay(phase, sha, f"not replayed: {refused}")
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


def _as_at(story: Story, then: Path) -> Story:
    """``story`` with the ``tests`` and ``test_command`` its file had at a replayed
    commit (the file at the same path there); as it is now when it had none."""
    from storykit.story.model import load_meta

    try:
        meta = load_meta(then)
    except (OSError, StorykitError):
        return story
    if meta.get("id") != story.id or not meta.get("tests"):
        return story
    past = copy.copy(story)
    past.meta = {**story.meta, "tests": meta.get("tests"), "test_command": meta.get("test_command")}
    return past


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


def _replay_red(project: Project, story: Story, sha: str, timeout: float | None, echo: BinaryIO | None,
                flaky: unreplayable.FlakyRed | None) -> tuple[Replay, str | None]:
    """The red commit replayed, and what is wrong with its evidence (None: red).  A
    story whose red test is acknowledged as flaky (``flaky_red``) is replayed up to
    its attempts, until one replay is red; each attempt is a real run."""
    where = f"at {_WHERE['red']} {sha[:10]}"
    attempts = flaky.attempts if flaky is not None else 1
    for attempt in range(1, attempts + 1):
        replay = _replay(project, story, "red", sha, timeout, echo)  # (no vouch: always run)
        problem = _red_problem(project, story, replay, timeout)
        if flaky is None:
            return replay, problem and f"{where}: {problem}"
        if problem is None:
            replay.summary += f" (on attempt {attempt} of {attempts}: {flaky.describe()})"
            return replay, None
    assert flaky is not None and problem is not None
    return replay, (f"{where}: its tests did not fail in any of {attempts} attempts (flaky red, acknowledged by "
                    f"{flaky.by}); the last: {problem}")


def _red_problem(project: Project, story: Story, replay: Replay, timeout: float | None) -> str | None:
    """What is wrong with a replay of the red commit as red evidence (None: nothing)."""
    result = replay.result
    assert result is not None
    broken = workflow.broken_run(result, timeout)
    if broken:
        return f"the tests did not run and fail: {broken}{_log_note(project, result)}"
    if result.exit_code == 0:
        return (f"the tests pass ({result.passed} passed): the implementation was committed before "
                f"the red run, so this is no red evidence")
    if not result.failed:
        return f"no test failed ({result.count('error')} errored): an error is not red"
    record = runs_of(story.meta).get("red") or RunRecord()
    # The recorded run is this commit's (it names it, or it was committed as the newest red
    # commit by run-tests --commit, which cannot name itself): the same tests must fail.
    committed = bool(((story.meta.get("runs") or {}).get("red") or {}).get("committed"))
    if record.commit == replay.commit or committed:
        recorded = sorted(t.node for t in record.tests or [] if t.outcome == "failed")
        passing = [n for n in recorded if result.tests.get(n, ("missing",))[0] not in ("failed", "error")]
        if passing:
            return (f"{len(passing)} test(s) recorded as failing do not fail "
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
