"""run-tests: run a story's tests and move it to red or green if the evidence allows.

Load the story, check before any test runs that it may run, run the tests (the
exact Markdown check and cache warm-up go on beside them), ask the workflow what
the result means, then, under the project lock, record the run, render the
evidence into the story's regions, save, regenerate the tracker.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from storykit import git
from storykit.story import evidence
from storykit.actions import history
from storykit.story import records, regions
from storykit.runners import runner
from storykit.project import tracker
from storykit.core import workflow
from storykit.errors import Refused, StorykitError
from storykit.project.files import project_lock, write_text_atomic
from storykit.actions.new import today
from storykit.project.store import Project
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




def _preflight(project: Project, story: Story, force: bool) -> list[str]:
    """Checks made before any test runs; returns notes (forced overrides)."""
    regions.require_present(story.id, story.body)  # the exact check runs beside the tests (_Beside)
    if story.status == "done":
        raise Refused(f"{story.id} is done; its evidence is final", hint=f"see 'storykit show {story.id}'")
    waiting = [d for d in story.meta.get("dependencies") or [] if _status_of(project, d) != "done"]
    if waiting and not force:
        raise Refused(f"{story.id} depends on {', '.join(waiting)}, not done yet",
                      hint="finish those first, or pass --force (the override is recorded)")
    notes = [f"started before {', '.join(waiting)} was done (--force)"] if waiting else []
    # The rules read the per-test records (tests that failed at red must run now):
    # records that do not match their digest would leave them nothing to check.
    broken = records.problems(story.path, story.meta)
    if broken and not force:
        raise Refused(f"{story.id}: {broken[0]}", hint="or pass --force to run anyway (the override is recorded)")
    if broken:
        notes.append(f"ran with an evidence file that does not match its digests (--force): {broken[0]}")
    return notes


def _status_of(project: Project, story_id: str) -> str | None:
    """A story's status from its front matter alone (None when there is no such story)."""
    try:
        return str(load_meta(project.find(story_id)).get("status"))
    except StorykitError:
        return None


class _Beside(threading.Thread):
    """What run-tests does while the tests run, instead of before or after them (the
    test tax of issue 5): the exact Markdown check of the story's regions, which
    stops the run if it fails, and warming what writing the evidence will need."""

    def __init__(self, project: Project, story: Story) -> None:
        super().__init__(name="storykit-beside", daemon=True)
        self.project, self.story = project, story
        self.failed = threading.Event()
        self.error: StorykitError | None = None

    def run(self) -> None:
        try:
            regions.require(self.story.id, self.story.body)
        except StorykitError as exc:
            self.error = exc
            self.failed.set()
            return
        with contextlib.suppress(Exception):  # only warming: the write path meets any problem itself
            import filelock  # noqa: F401 - for the lock taken after the run

            self.project.entries()  # the front-matter cache the tracker is rendered from

    def outcome(self) -> None:
        """Wait for it; raise what it found."""
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


def execute(project: Project, story: Story, extra: list[str], timeout: float | None,
            echo: BinaryIO | None, abort: threading.Event | None = None) -> tuple[runner.RunResult, str]:
    """Run a story's tests; returns the result and the command as shown in the story."""
    command, tests, marker = _test_args(project, story)
    timeout = timeout if timeout is not None else story.meta.get("timeout") or project.config.timeout
    result = runner.run(command, tests, marker + list(extra), cwd=project.root,
                        log_path=_log_path(project, story.id, "latest"), timeout=timeout,
                        output_lines=project.config.output_lines, echo=echo, abort=abort)
    shown = command or "python -m pytest {tests}"
    shown = shown.replace("{tests}", " ".join(tests) if tests else "").strip()
    if marker:
        shown += " " + " ".join(marker)
    if extra:
        shown += " " + " ".join(extra)
    return result, shown


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
              warn: Callable[[str], None] | None = None) -> RunOutcome:
    """Run a story's tests and move it to red or green if the evidence allows.

    ``commit_phase`` (``--commit``) also commits the story's test files, the story
    and the tracker (with what is staged), trailers ``Story``/``Phase`` included,
    and records that commit in the run; if it cannot be made, nothing is recorded.
    """
    path = project.find(ref)
    story = load_warning(path, warn)
    notes = _preflight(project, story, force)
    if commit_phase:
        history.require_committable(project, story.id)
    tree_before = git.snapshot(project.root)
    commit = git.head(project.root)
    # The digest of the test files as they ran; tests selected by marker are known only after the run.
    digest = evidence.digest(project.root, evidence.test_files(story.meta)) if story.meta.get("tests") else None
    beside = _Beside(project, story)
    beside.start()
    try:
        result, shown = execute(project, story, extra or [], timeout, echo, beside.failed)
    except runner.RunAborted:
        beside.outcome()
        raise
    beside.outcome()
    if digest is None:
        digest = evidence.digest(project.root, evidence.test_files(story.meta, {"tests": result.tests}))
    verdict = workflow.judge_run(
        story.id, story.status, result,
        min_tests=int(story.meta.get("min_tests", project.config.min_tests)),
        allow_skips=project.config.allow_skips,
        timeout=timeout or story.meta.get("timeout") or project.config.timeout,
        red_tests=(story.runs.get("red") or {}).get("tests"),
    )
    if verdict.refused and result.exit_code == 5 and result.runner == "pytest" and not story.meta.get("tests"):
        verdict.reason = (f"no test is marked @pytest.mark.story(\"{story.id}\") (pytest exit 5: nothing selected): "
                          f"mark the story's tests, or list them under 'tests:' in its front matter")
    if verdict.refused:
        log = keep_log(project, story.id, "refused")
        return RunOutcome(story.id, path, verdict, result, log)
    phase = verdict.phase or "red"
    files = history.test_files(project, story, result, digest) if commit_phase else []
    log = keep_log(project, story.id, phase, result)
    run = evidence.record(result, commit=commit, tree=tree_before, digest_value=digest, log=log, command=shown)
    if not story.meta.get("tests"):  # tests selected by marker: the files they ran from, for staleness
        run["files"] = evidence.test_files(story.meta, run)
    outputs = {phase: result.excerpt}
    with project_lock(project.config.state_path):
        project.invalidate()  # other stories may have changed while the tests ran
        fresh = load(path)
        if fresh.status != story.status or fresh.runs != story.runs:
            raise Refused(f"{story.id} changed while its tests ran (now {fresh.status})",
                          hint="run the tests again")
        meta = fresh.meta
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
            run["changes"], outputs[evidence.TESTS_DIFF] = _changes(project, story, runs.get("red"), tree_before)
        verdict.notes = notes  # --force overrides, also in run-tests --json
        if notes:
            meta["overrides"] = list(meta.get("overrides") or []) + [f"{run['at']}: {n}" for n in notes]
        meta["runs"] = runs
        meta["status"] = verdict.status
        body = regions.set_header(fresh.id, fresh.body, meta["status"], project.blocks(fresh.id))
        shown_evidence = project.rel(records.evidence_path(path))
        body = regions.test_results(fresh.id, body, meta, outputs, evidence_file=shown_evidence)
        body = regions.tick_tagged(body, ("red",) if phase == "red" else ("red", "green"))
        body = regions.touch(fresh.id, body, today())
        fresh.meta, fresh.body = meta, body
        evidence_file = records.evidence_path(path)
        originals = {p: p.read_bytes() if p.exists() else None
                     for p in (path, project.config.tracker_path, evidence_file)}
        records.save(fresh, write_text_atomic)
        project.invalidate()  # read before the run: the tracker must see the new status
        tracker.write(project)
        outcome = RunOutcome(story.id, path, verdict, result, log)
        if commit_phase:
            files += [evidence_file] if evidence_file.exists() else []  # the per-test records, committed with it
            outcome.commit = history.commit(project, fresh, phase, files, originals)
            run["commit"] = outcome.commit  # the run is the evidence of this commit
            fresh.body = regions.test_results(fresh.id, fresh.body, meta, {}, evidence_file=shown_evidence)
            records.save(fresh, write_text_atomic)
            outcome.commit_summary = git.show_commit(project.root, outcome.commit)
            outcome.left_out = history.left_out(project, fresh, files)
    return outcome


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
