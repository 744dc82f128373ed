"""run-tests: run a story's tests and move it to red or green if the evidence allows.

The path reads as one sentence: load the story and resolve its settings -> ask the
workflow whether the run may start -> run the tests (the exact Markdown check goes
on beside them) -> ask the workflow what the result means -> render the evidence ->
save it in one transaction (story, the story's tracker rows, and with ``--commit``
the phase commit).  No other story is read: the derived Blocks line and the tracker
rows come from the record of the tracker's last write (storykit.project.tracker).
A refusal is raised (``Refused``, carrying the run), never written.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from storykit import git
from storykit.actions import history, measure, save
from storykit.core import workflow
from storykit.core.settings import RunSettings, resolve
from storykit.errors import Refused, StorykitError
from storykit.project import tracker
from storykit.project.files import require_private_dir
from storykit.project.store import Project
from storykit.runners import runner
from storykit.story import evidence, measurements, records, regions
from storykit.story.model import Story, load, load_meta


@dataclass
class RunOutcome:
    story_id: str
    path: Path
    verdict: workflow.Verdict
    result: runner.RunResult | None = None
    log: str | None = None
    commit: str | None = None  # the commit made by --commit
    commit_summary: str = ""
    left_out: list[str] = field(default_factory=list)  # changes that commit does not hold


def may_start(project: Project, story: Story, *, force: bool, commit_phase: bool) -> list[str]:
    """Ask the workflow whether the run may start (and check, before any test runs,
    what would stop the save); returns the notes to record (--force overrides)."""
    regions.require_present(story.id, story.body)  # the exact check runs beside the tests (_Beside)
    require_private_dir(project.config.state_path)
    for test in story.meta.get("tests") or []:
        problem = evidence.path_problem(project.root, str(test))
        if problem:
            raise StorykitError(f"{story.id}: test path '{test}' {problem}",
                                hint="list the story's tests as paths inside the project")
    if story.status == "closed":
        from storykit.actions.close import how

        raise Refused(f"{story.id} is closed ({how(str(story.meta.get('closed_as')), story.meta.get('duplicate_of'))})",
                      hint="nothing runs for a closed story", story=story.id)
    waiting = [d for d in story.meta.get("dependencies") or [] if _status_of(project, d) != "done"]
    answer = workflow.may_start(story.id, story.status, waiting, force=force)
    if isinstance(answer, tuple):
        raise Refused(answer[0], hint=answer[1], story=story.id)
    # The rules read the per-test records (tests that failed at red must run now):
    # records that do not match their digest would leave them nothing to check.
    broken = records.problems(story.path, story.meta)
    if broken and not force:
        raise Refused(f"{story.id}: {broken[0]}", hint="or pass --force to run anyway (the override is recorded)",
                      story=story.id)
    if broken:
        answer = [*answer, f"ran with an evidence file that does not match its digests (--force): {broken[0]}"]
    save.require_writable(project, story.path, project.config.tracker_path,
                          records.evidence_path(story.path))
    if commit_phase:
        history.require_committable(project, story.id)
    return answer


def _status_of(project: Project, story_id: str) -> str | None:
    """A story's status from its front matter alone (None when there is no such story)."""
    try:
        return str(load_meta(project.find(story_id)).get("status"))
    except StorykitError:
        return None


class _Beside(threading.Thread):
    """What run-tests does while the tests run, instead of before or after them (the
    test tax of issue 5): the exact Markdown check of the story's regions, which
    stops the run if it fails, and importing what the save will need (the YAML
    writer)."""

    def __init__(self, project: Project, story: Story, up: threading.Event | None = None) -> None:
        super().__init__(name="storykit-beside", daemon=True)
        self.project, self.story, self.up = project, story, up
        self.failed = threading.Event()
        self.error: StorykitError | None = None

    def run(self) -> None:
        if self.up is not None:
            self.up.wait()  # the tests' start-up first (runner.run's ``up``)
        try:
            regions.require(self.story.id, self.story.body)
        except StorykitError as exc:
            self.error = exc
            self.failed.set()
            return
        with contextlib.suppress(Exception):  # only warming: the save meets any problem itself
            import yaml  # noqa: F401 - for the story's front matter, written after the run

    def outcome(self) -> None:
        """Wait for it; raise what it found."""
        if self.ident is None:  # the tests did not start: the check is made now
            self.run()
        else:
            self.join()
        if self.error is not None:
            raise self.error


def _test_args(project: Project, story: Story) -> tuple[str | None, list[str], list[str]]:
    command = story.meta.get("test_command") or project.config.test_command
    tests = list(story.meta.get("tests") or [])
    extra: list[str] = []
    if not tests:
        if command is not None:
            raise StorykitError(f"{story.id} lists no tests", hint="add 'tests: [path, ...]' to its front matter")
        extra = ["--story", story.id]  # the tests marked @pytest.mark.story(ID)
    return command, tests, extra


def _log_path(project: Project, story_id: str, phase: str) -> Path:
    return project.config.log_path / f"{story_id}-{phase}.log"


def shown_command(project: Project, story: Story, extra: list[str] | None = None) -> str:
    """The command a story's run executes, as ``show`` prints it and the run records it."""
    command, tests, marker = _test_args(project, story)
    shown = command or "python -m pytest {tests}"
    shown = shown.replace("{tests}", " ".join(tests) if tests else "").strip()
    if marker:
        shown += " " + " ".join(marker)
    if extra:
        shown += " " + " ".join(extra)
    return shown


def execute(project: Project, story: Story, extra: list[str], timeout: float | None,
            echo: BinaryIO | None, abort: threading.Event | None = None,
            started: Callable[[], None] | None = None,
            up: threading.Event | None = None) -> tuple[runner.RunResult, str]:
    """Run a story's tests (``timeout``: the resolved one, RunSettings.timeout);
    returns the result and the command as shown in the story."""
    command, tests, marker = _test_args(project, story)
    result = runner.run(command, tests, marker + list(extra), cwd=project.root,
                        log_path=_log_path(project, story.id, "latest"), timeout=timeout,
                        output_lines=project.config.output_lines, echo=echo, abort=abort, started=started,
                        up=up)
    return result, shown_command(project, story, extra)


def keep_log(project: Project, story_id: str, phase: str, result: runner.RunResult | None = None) -> str | None:
    latest = _log_path(project, story_id, "latest")
    if not latest.exists():
        return None
    target = _log_path(project, story_id, phase)
    latest.replace(target)
    if result is not None:  # the excerpt's "[N lines cut; full log: ...]" names the kept log
        shown = runner.machine_independent(str(latest), project.root, {})
        for named in (str(latest), shown):
            result.excerpt = result.excerpt.replace(f"full log: {named}]", f"full log: {project.rel(target)}]")
    return project.rel(target)


def load_warning(path: Path, warn: Callable[[str], None] | None) -> Story:
    """Load a story and pass its warnings (unknown front-matter keys) to ``warn``."""
    story = load(path)
    if warn is not None:
        for warning in story.warnings:
            warn(warning)
    return story


def run_tests(project: Project, ref: str, *, timeout: float | None = None, extra: list[str] | None = None,
              echo: BinaryIO | None = None, force: bool = False, commit_phase: bool = False,
              warn: Callable[[str], None] | None = None, snapshot: git.Snapshot | None = None) -> RunOutcome:
    """Run a story's tests and move it to red or green if the evidence allows;
    raise Refused (carrying the run) when the evidence does not.

    ``commit_phase`` (``--commit``) also commits the story's test files, the story
    and the tracker (with what is staged), trailers ``Story``/``Phase`` included,
    and records that commit in the run; if it cannot be made, nothing is recorded.

    ``snapshot``: git's snapshot of the work tree, started by the caller before this
    was imported (nothing is written to the work tree before the run starts), else
    taken here before the run.
    """
    story = load_warning(project.find(ref), warn)
    settings = resolve(story.meta, project.config, timeout=timeout)
    notes = may_start(project, story, force=force, commit_phase=commit_phase)
    measure.prepare(story)
    before = _Before.take(project, story, snapshot)
    try:
        result, shown = _run(project, story, extra or [], settings, echo, before.proof)
    except BaseException:
        with contextlib.suppress(BaseException):
            before.taken()  # git wrote the tree while the tests ran: nothing of it is left behind
        raise
    before.taken()
    verdict = judge(story, result, settings)
    if verdict.refused:
        raise Refused(verdict.reason, story=story.id, log=keep_log(project, story.id, "refused"), run=result)
    verdict.notes = notes  # --force overrides, also in run-tests --json
    benchmarks = measure.run(project, story, timeout=settings.timeout, echo=echo)  # refuses: nothing written
    phase = verdict.phase or "red"
    files = history.test_files(project, story, result, before.digest) if commit_phase else []
    log = keep_log(project, story.id, phase, result)
    run = evidence.record(result, commit=before.commit, tree=before.tree,
                          digest_value=before.digest or _digest_of_marked(project, story, result), log=log,
                          command=shown)
    if benchmarks:
        run["benchmarks"] = benchmarks  # before (red) or after (green) the implementation
    if not story.meta.get("tests"):  # tests selected by marker: the files they ran from, for staleness
        run["files"] = evidence.test_files(story.meta, run)
    if commit_phase:
        # The commit made below is this run's evidence: the record says so before it is
        # committed (a commit cannot hold its own sha), so nothing is left to commit after
        # it; verify finds the commit by its trailers.
        run["committed"] = True
    outcome = RunOutcome(story.id, story.path, verdict, result, log)
    with save.transaction(project, ahead=before.ahead()) as tx:
        fresh = tx.reload(story, during="its tests ran", again="run the tests again")
        _record(project, story, fresh, verdict, phase, run, result, before.tree, notes, tx.blocks(fresh.id))
        tx.save(fresh)  # the story and its evidence file (the per-test records)
        tx.tracker()
        if commit_phase:
            evidence_file = records.evidence_path(fresh.path)
            files += [evidence_file] if evidence_file.exists() else []  # the per-test records, committed with it
            message = git.with_trailers(history.MESSAGES[phase].format(id=fresh.id, title=fresh.title),
                                        fresh.id, phase)
            outcome.commit = tx.commit([fresh.path, project.config.tracker_path, *files], message,
                                       hint="nothing was recorded; fix that and run the tests again, "
                                            "or run without --commit")
            outcome.commit_summary = git.show_commit(project.root, outcome.commit)
            outcome.left_out = history.left_out(project, fresh, files)
    return outcome


@dataclass
class _Before:
    """What the evidence records of the moment before the run."""

    snapshot: git.Snapshot  # HEAD and the work tree as a git tree object, as they were before the run
    digest: str | None  # the test files' digest (None: tests selected by marker, known after the run)
    proof: _Proof | None = None  # the tracker proven current, for the save after the run
    commit: str | None = None  # HEAD (``taken``)
    tree: str | None = None  # the work tree as a git tree object (``taken``)

    @classmethod
    def take(cls, project: Project, story: Story, snapshot: git.Snapshot | None = None) -> _Before:
        """git's snapshot of the work tree, read before any test runs (its tree object is
        written while they run); the proof that the tracker is current starts once the
        tests run, and goes on beside them (started beside git's reading of the work
        tree, it slowed git down: both stat every story file)."""
        digest = evidence.digest(project.root, evidence.test_files(story.meta)) if story.meta.get("tests") else None
        snapshot = snapshot if snapshot is not None else git.Snapshot(project.root)
        snapshot.read()
        return cls(snapshot, digest, _Proof(project))  # started with the tests (_run)

    def taken(self) -> None:
        """HEAD and the tree, once git has written it."""
        self.commit, self.tree = self.snapshot.result()

    def ahead(self) -> tracker.Ahead | None:
        return self.proof.result() if self.proof is not None else None


class _Proof(threading.Thread):
    """``tracker.prove_ahead`` in a thread: a stat of every story file, under a watch
    of the stories folder that tells the save after the run whether it still holds
    (the test tax at 10,000 stories: the stat pass no longer waits for the tests)."""

    def __init__(self, project: Project) -> None:
        super().__init__(name="storykit-proof", daemon=True)
        self.project = project
        self.ahead: tracker.Ahead | None = None
        self.up: threading.Event | None = None  # what to wait for first (the tests' start-up)

    def run(self) -> None:
        if self.up is not None:
            self.up.wait()
        with contextlib.suppress(Exception):  # only a head start: the save proves again without it
            self.ahead = tracker.prove_ahead(self.project)

    def result(self) -> tracker.Ahead | None:
        if self.ident is None:  # never started: the tests did not start
            return None
        self.join()
        return self.ahead


def _digest_of_marked(project: Project, story: Story, result: runner.RunResult) -> str:
    return evidence.digest(project.root, evidence.test_files(story.meta, {"tests": result.tests}))


def _run(project: Project, story: Story, extra: list[str], settings: RunSettings,
         echo: BinaryIO | None, proof: _Proof | None = None) -> tuple[runner.RunResult, str]:
    """Run the tests, with the story's exact Markdown check (and ``proof``) beside them,
    started once the tests run (threads started before would hold back the start of
    the tests: Python runs one thread at a time), working once the tests have started
    up (pytest's start-up is CPU-bound; on two busy cores the work beside took from it)."""
    up = threading.Event()  # set once the tests have started up: then the work beside them begins
    beside = _Beside(project, story, up)

    def started() -> None:
        beside.start()
        if proof is not None:
            proof.up = up
            proof.start()

    try:
        result, shown = execute(project, story, extra, settings.timeout, echo, beside.failed, started, up)
    except runner.RunAborted:
        beside.outcome()
        raise
    beside.outcome()
    return result, shown


def judge(story: Story, result: runner.RunResult, settings: RunSettings) -> workflow.Verdict:
    """Ask the workflow what a run of ``story`` means."""
    return workflow.judge_run(story.id, story.status, result, min_tests=settings.min_tests,
                              allow_skips=settings.allow_skips, timeout=settings.timeout,
                              red_tests=(story.runs.get("red") or {}).get("tests"),
                              by_marker=not story.meta.get("tests"))


def _record(project: Project, story: Story, fresh: Story, verdict: workflow.Verdict, phase: str,
            run: dict[str, Any], result: runner.RunResult, tree: str | None, notes: list[str],
            blocks: list[str]) -> None:
    """Render the evidence of an accepted run into ``fresh`` (front matter and regions)."""
    meta = fresh.meta
    outputs = {phase: result.excerpt}
    runs = dict(meta.get("runs") or {})
    runs[phase] = run
    if phase == "red":
        runs.pop("green", None)
        runs.pop("validate", None)
        meta.setdefault("started", None)
        meta["started"] = meta["started"] or run["at"]
    elif story.status in ("green", "validated") and "changes" in (story.runs.get("green") or {}):
        # A re-run refreshes the evidence; the implementation was written before the
        # first green, and diffing against red now would claim everything merged since.
        run["changes"] = story.runs["green"]["changes"]
    else:
        run["changes"], outputs[evidence.TESTS_DIFF] = _changes(project, story, runs.get("red"), tree)
    if notes:
        meta["overrides"] = list(meta.get("overrides") or []) + [f"{run['at']}: {n}" for n in notes]
    meta["runs"] = runs
    meta["status"] = verdict.status
    body = regions.set_header(fresh.id, fresh.body, meta["status"], blocks)
    body = regions.test_results(fresh.id, body, meta, outputs,
                                evidence_file=project.rel(records.evidence_path(fresh.path)))
    body = measurements.update(body, meta)  # Index Performance Validation's region, and its ticks
    body = regions.tick_tagged(body, ("red",) if phase == "red" else ("red", "green"))
    body = regions.touch(fresh.id, body, evidence.today())
    fresh.meta, fresh.body = meta, body


_DIFF_LINES = 200  # lines of the test files' diff kept in the story


def _changes(project: Project, story: Story, red: dict[str, Any] | None,
             tree: str | None) -> tuple[dict[str, Any] | None, str]:
    """Step 3's evidence: what changed in the tree between the red and the green run
    (generated files counted apart), and the diff of the story's test files, if they
    changed (bounded: the reviewer reads it in the story)."""
    if not red or not red.get("tree") or not tree:
        return None, ""
    config = project.config
    exclude = [config.stories_dir, config.tracker]
    try:
        changes = git.diff_trees(project.root, red["tree"], tree, exclude)
    except StorykitError:
        return None, ""  # the red tree was garbage-collected, or the repo changed
    test_roots = [t.split("::", 1)[0].rstrip("/") for t in story.meta.get("tests") or []]
    if not test_roots:  # tests selected by marker: the files they ran from
        test_roots = list(red.get("files") or []) or sorted({n.split("::", 1)[0] for n in red.get("tests") or {}})

    def is_test(path: str) -> bool:
        return any(path == root or path.startswith(root + "/") for root in test_roots)

    generated = set(evidence.generated_files(
        [c.path for c in changes if not is_test(c.path)], config.generated,
        git.generated_paths(project.root, [c.path for c in changes if not is_test(c.path)])))
    code = [c for c in changes if not is_test(c.path) and c.path not in generated]
    tests = [c for c in changes if is_test(c.path)]
    found: dict[str, Any] = {
        "files": [c.path for c in code],
        "added": sum(c.added for c in code),
        "deleted": sum(c.deleted for c in code),
        "test_files": [{"path": c.path, "added": c.added, "deleted": c.deleted} for c in tests],
    }
    if generated:
        found["generated"] = [c.path for c in changes if c.path in generated]
    diff = ""
    if tests:
        try:
            diff = git.diff_text(project.root, red["tree"], tree, [c.path for c in tests])
        except StorykitError:
            diff = ""
        lines = diff.splitlines(keepends=True)
        if len(lines) > _DIFF_LINES:
            diff = "".join(lines[:_DIFF_LINES]) + f"… [{len(lines) - _DIFF_LINES} more lines of diff; " \
                f"see 'git diff {red['tree'][:10]} {tree[:10]} -- <test files>'] …\n"
    return found, diff
